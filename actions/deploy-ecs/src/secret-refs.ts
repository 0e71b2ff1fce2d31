/**
 * `secrets[].valueFrom` of a task definition, parsed into what a pre-flight asks for
 * (Secrets Manager DescribeSecret, SSM GetParameters), as the ECS developer guide describes the
 * references ("Pass sensitive data to an Amazon ECS container"):
 * - Secrets Manager: `arn:aws:secretsmanager:<region>:<account>:secret:<name>[:<json-key>:<version-stage>:<version-id>]`
 *   (the three trailing parts each optional; a version stage and a version id exclude each other);
 * - SSM Parameter Store: `arn:aws:ssm:<region>:<account>:parameter/<name>`, or the parameter name
 *   alone (ECS reads a bare name as an SSM parameter in the task's region, never as a secret).
 * Pure: no AWS calls.
 */

export type SecretRef =
  | {
      service: 'secretsmanager';
      /** What DescribeSecret takes: the secret's ARN without the json-key/version parts. */
      id: string;
      jsonKey?: string;
      versionStage?: string;
      versionId?: string;
      region?: string;
    }
  | {
      service: 'ssm';
      /** What GetParameters takes: the name or the ARN as given. */
      id: string;
      region?: string;
    };

export interface ContainerSecretRef {
  container: string;
  /** The environment variable the secret becomes. */
  name: string;
  valueFrom: string;
  ref: SecretRef;
}

/** One reference, or an Error whose message says what is wrong and what was expected. */
export function parseSecretRef(valueFrom: string): SecretRef {
  if (typeof valueFrom !== 'string' || valueFrom.trim() === '') {
    throw new Error('is empty; expected a Secrets Manager secret ARN or an SSM parameter name or ARN');
  }
  if (/\s/.test(valueFrom)) throw new Error(`"${valueFrom}" contains whitespace; expected an ARN or a parameter name`);
  if (!valueFrom.startsWith('arn:')) return { service: 'ssm', id: valueFrom };
  const parts = valueFrom.split(':');
  const [, partition, service, region, account] = parts;
  if (!partition || !/^\d{12}$/.test(account ?? '')) {
    throw new Error(
      `"${valueFrom}" is not a valid ARN; expected arn:<partition>:<service>:<region>:<12-digit account>:...`,
    );
  }
  if (service === 'ssm') {
    const resource = parts.slice(5).join(':');
    if (!/^parameter\/./.test(resource)) {
      throw new Error(
        `"${valueFrom}" is not an SSM parameter ARN; expected arn:${partition}:ssm:<region>:<account>:parameter/<name>`,
      );
    }
    return { service: 'ssm', id: valueFrom, region: region || undefined };
  }
  if (service !== 'secretsmanager') {
    throw new Error(`"${valueFrom}" names the service ${service}; expected secretsmanager or ssm`);
  }
  if (parts[5] !== 'secret' || !parts[6]) {
    throw new Error(
      `"${valueFrom}" is not a secret ARN; expected arn:${partition}:secretsmanager:<region>:<account>:secret:<name>[:<json-key>:<version-stage>:<version-id>]`,
    );
  }
  if (parts.length > 10) {
    throw new Error(
      `"${valueFrom}" has ${parts.length - 7} parts after the secret name; expected at most json-key:version-stage:version-id`,
    );
  }
  const [jsonKey, versionStage, versionId] = parts.slice(7).map((p) => p || undefined);
  if (versionStage && versionId) {
    throw new Error(`"${valueFrom}" gives both a version stage and a version id; expected one of them`);
  }
  const ref: SecretRef = { service: 'secretsmanager', id: parts.slice(0, 7).join(':') };
  if (region) ref.region = region;
  if (jsonKey) ref.jsonKey = jsonKey;
  if (versionStage) ref.versionStage = versionStage;
  if (versionId) ref.versionId = versionId;
  return ref;
}

/**
 * Every `secrets[]` entry of every container definition, parsed; the problems name the container
 * and the variable (`containerDefinitions[1] "worker" secrets DATABASE_URL valueFrom: ...`).
 */
export function secretRefsOf(taskDefinition: {
  containerDefinitions?: { name?: string; secrets?: { name?: string; valueFrom?: string }[] }[];
}): { refs: ContainerSecretRef[]; problems: string[] } {
  const refs: ContainerSecretRef[] = [];
  const problems: string[] = [];
  for (const [index, container] of (taskDefinition.containerDefinitions ?? []).entries()) {
    const containerName = container.name ?? `#${index}`;
    for (const secret of container.secrets ?? []) {
      const where = `containerDefinitions[${index}] "${containerName}" secrets ${secret.name ?? '(no name)'} valueFrom`;
      try {
        refs.push({
          container: containerName,
          name: String(secret.name),
          valueFrom: String(secret.valueFrom),
          ref: parseSecretRef(secret.valueFrom as string),
        });
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
      }
    }
  }
  return { refs, problems };
}
