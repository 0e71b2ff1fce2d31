/**
 * `secrets[].valueFrom` of a container definition, as the ECS agent fetches them before any
 * container starts: an SSM parameter (name, or `arn:aws:ssm:...:parameter/...`) or a Secrets
 * Manager secret (ARN, optionally `arn:...:secret:<name>:<json-key>:<version-stage>:<version-id>`;
 * the emulator also takes a bare secret name). A reference that cannot be resolved fails the task
 * with the agent's wording (ECS developer guide, "Troubleshoot Amazon ECS ResourceInitializationError
 * errors": `unable to pull secrets or registry auth: execution resource retrieval failed: ...`).
 */
import type { Json } from './types.js';

export type SecretLookup = (valueFrom: string) => string | undefined;

/** Which store a reference names, as the agent decides it: SSM unless it is a Secrets Manager ARN. */
export function secretSource(valueFrom: string): 'ssm' | 'asm' {
  return valueFrom.startsWith('arn:') && valueFrom.split(':')[2] === 'secretsmanager' ? 'asm' : 'ssm';
}

/** The stopped reason of a task whose secret `valueFrom` is missing. */
export function missingSecretReason(valueFrom: string): string {
  const prefix =
    'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed:';
  if (secretSource(valueFrom) === 'asm') {
    return `${prefix} unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${valueFrom} from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.`;
  }
  return `${prefix} unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid ssm parameters: ${valueFrom}`;
}

/**
 * `NAME=value` lines for every secret of the container definitions (in order), or the reason the
 * task fails: every container's secrets are fetched before the first container starts.
 */
export function resolveSecrets(
  containerDefinitions: Json[],
  lookup: SecretLookup,
): { env: string[][] } | { reason: string } {
  const env: string[][] = [];
  for (const def of containerDefinitions) {
    const lines: string[] = [];
    for (const s of def.secrets ?? []) {
      const value = lookup(String(s.valueFrom));
      if (value === undefined) return { reason: missingSecretReason(String(s.valueFrom)) };
      lines.push(`${s.name}=${value}`);
    }
    env.push(lines);
  }
  return { env };
}
