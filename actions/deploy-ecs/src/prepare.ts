/**
 * The task definition a deploy or plan puts on the service: a registered revision (its ARN), or a
 * document to register (from the file, or the service's current definition, with the overrides),
 * linted for plaintext secrets, diffed against what runs, and reused when an equal revision exists.
 */

import { ConfigurationError } from '../../../shared/errors.js';
import { info } from '../../../shared/log.js';
import { registerSecret } from '../../../shared/secrets.js';
import type { EcsApi, ServiceState } from './api.js';
import type { Inputs } from './inputs.js';
import {
  applyOverrides,
  type DiffLine,
  diff,
  formatDiffLine,
  type Json,
  lintSecrets,
  overrideProblems,
  registrable,
  sameDefinition,
} from './taskdef.js';

export interface Prepared {
  /** An existing revision to deploy; absent when `document` must be registered first. */
  arn?: string;
  document?: Json;
  /** The task definition changes against the service's current revision. */
  diff: DiffLine[];
}

/** Throws a ConfigurationError naming every plaintext secret; the values are masked first. */
export function lint(document: Json, allowPlaintextSecrets: string[]): void {
  const findings = lintSecrets(document, allowPlaintextSecrets);
  for (const finding of findings) registerSecret(finding.value);
  if (findings.length) {
    throw new ConfigurationError(
      findings.map(
        (f) =>
          `task-definition: container "${f.container}" has a plaintext secret in environment variable ${f.name} (${f.why}); expected it in secrets[].valueFrom (Secrets Manager or SSM Parameter Store), or its name in allow-plaintext-secrets`,
      ),
    );
  }
}

export async function prepare(api: EcsApi, inputs: Inputs, service: ServiceState): Promise<Prepared> {
  const current = await api.describeTaskDefinition(service.taskDefinition);
  if (inputs.source.kind === 'revision') {
    const chosen = await api.describeTaskDefinition(inputs.source.reference);
    if (chosen.taskDefinition.status === 'INACTIVE') {
      throw new Error(`task definition ${chosen.taskDefinition.taskDefinitionArn} is INACTIVE (deregistered)`);
    }
    info(`deploying the registered revision ${chosen.taskDefinition.taskDefinitionArn}`);
    return {
      arn: chosen.taskDefinition.taskDefinitionArn,
      diff: diff(current.taskDefinition, chosen.taskDefinition),
    };
  }
  let base: Json;
  if (inputs.source.kind === 'file') {
    base = inputs.source.document;
    info(`task definition from ${inputs.source.path} (family ${base.family})`);
  } else {
    base = registrable(current.taskDefinition, current.tags);
    info(`task definition from the service's current one, ${service.taskDefinition}`);
    const problems = overrideProblems(base, inputs.containerImages, inputs.environment);
    if (problems.length) throw new ConfigurationError(problems);
  }
  const document = applyOverrides(base, inputs.containerImages, inputs.environment);
  if (!document.tags?.length && current.taskDefinition.family === document.family && current.tags.length) {
    document.tags = current.tags;
  }
  lint(document, inputs.allowPlaintextSecrets);
  const changes = diff(current.taskDefinition, document);
  for (const line of changes) info(formatDiffLine(line));
  if (sameDefinition(document, current.taskDefinition)) {
    info(`unchanged: the definition equals the current revision ${service.taskDefinition}; reusing it`);
    return { arn: service.taskDefinition, diff: changes };
  }
  // A re-run after a failed deploy: the newest revision of the family may already be this one.
  const latest = await api.describeTaskDefinition(document.family).catch(() => undefined);
  if (
    latest &&
    latest.taskDefinition.taskDefinitionArn !== service.taskDefinition &&
    sameDefinition(document, latest.taskDefinition)
  ) {
    info(`unchanged: the definition equals the latest revision ${latest.taskDefinition.taskDefinitionArn}; reusing it`);
    return { arn: latest.taskDefinition.taskDefinitionArn, diff: changes };
  }
  info(`${changes.length} change(s) against ${service.taskDefinition}: a new revision will be registered`);
  return { document, diff: changes };
}
