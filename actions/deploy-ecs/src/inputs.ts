import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ConfigurationError } from '../../../shared/errors.js';
import {
  awsRegion,
  boolean,
  choice,
  duration,
  integer,
  JOB_LIMIT_MS,
  keyValues,
  list,
  parseInputs,
  type ReadInput,
  requireThat,
  string,
} from '../../../shared/inputs.js';
import { registerSecret } from '../../../shared/secrets.js';
import {
  IMAGE_REFERENCE,
  isRevisionReference,
  type Json,
  lintSecrets,
  overrideProblems,
  readTaskDefinitionFile,
  splitEnvironmentKey,
} from './taskdef.js';

const NAME = /^([A-Za-z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:(cluster|service)\/[A-Za-z0-9_/-]+)$/;

export type TaskDefinitionSource =
  | { kind: 'file'; path: string; document: Json }
  | { kind: 'revision'; reference: string }
  | { kind: 'current' };

export type Inputs = ReturnType<typeof readInputs> & { source: TaskDefinitionSource };

function readInputs(read?: ReadInput) {
  return parseInputs(
    {
      cluster: string({ required: true, pattern: NAME, expected: 'a cluster name (letters, digits, - and _) or ARN' }),
      service: string({ required: true, pattern: NAME, expected: 'a service name (letters, digits, - and _) or ARN' }),
      mode: choice(['deploy', 'plan', 'rollback'] as const, { default: 'deploy' }),
      taskDefinition: string(),
      containerImages: keyValues({ keyPattern: /^[A-Za-z0-9_-]{1,255}$/ }),
      environment: keyValues({ keyPattern: /^([A-Za-z0-9_-]{1,255}\.)?[A-Za-z_][A-Za-z0-9_]*$/ }),
      // ECS quota: at most 5,000 tasks per service.
      desiredCount: integer({ min: 0, max: 5000 }),
      allowPlaintextSecrets: list(),
      forceNewDeployment: boolean({ default: false }),
      wait: boolean({ default: true }),
      // The wait cannot outlast the job: a hosted runner cancels it at 6 hours.
      timeout: duration({ default: 15 * 60_000, min: 5_000, max: JOB_LIMIT_MS }),
      pollInterval: duration({ default: 10_000, min: 500, max: 300_000 }),
      maxFailedTasks: integer({ default: 2, min: 0, max: 5000 }),
      rollbackOnFailure: boolean({ default: false }),
      keepRevisions: integer({ default: 0, min: 0, max: 1000 }),
      verifyImages: boolean({ default: true }),
      awsRegion: awsRegion(),
    },
    read,
  );
}

/**
 * A plaintext secret given in the environment input is that input's fault (not the task
 * definition's): linted on its own, masked, and named before any API call.
 */
function environmentSecrets(environment: Record<string, string>, allow: string[]): void {
  const containerDefinitions = Object.entries(environment).map(([key, value]) => {
    const [container, name] = splitEnvironmentKey(key);
    return { name: container ?? key, environment: [{ name, value }] };
  });
  const findings = lintSecrets({ containerDefinitions }, allow);
  for (const finding of findings) registerSecret(finding.value);
  if (findings.length) {
    throw new ConfigurationError(
      findings.map(
        (f) =>
          `environment: ${f.name} is a plaintext secret (${f.why}); expected it in the task definition's secrets[].valueFrom (Secrets Manager or SSM Parameter Store), or its name in allow-plaintext-secrets`,
      ),
    );
  }
}

/** Every input and the task definition source, checked before any API call. */
export function getInputs(read?: ReadInput, workspace = process.env.GITHUB_WORKSPACE ?? process.cwd()): Inputs {
  const inputs = readInputs(read);
  const minimum = inputs.pollInterval * 3;
  requireThat(
    inputs.timeout >= minimum,
    'timeout',
    `${inputs.timeout / 1000}s leaves room for fewer than 3 polls at poll-interval ${inputs.pollInterval / 1000}s`,
    `at least ${minimum / 1000}s (3 x poll-interval)`,
  );
  for (const [container, image] of Object.entries(inputs.containerImages)) {
    requireThat(
      IMAGE_REFERENCE.test(image),
      'container-images',
      `${container}=${image} is not an image reference`,
      'registry/repository:tag or @sha256:digest',
    );
  }
  environmentSecrets(inputs.environment, inputs.allowPlaintextSecrets);
  const hasOverrides = Object.keys(inputs.containerImages).length + Object.keys(inputs.environment).length > 0;
  let source: TaskDefinitionSource = { kind: 'current' };
  const reference = inputs.taskDefinition?.trim();
  if (reference && isRevisionReference(reference) && !existsSync(join(workspace, reference))) {
    source = { kind: 'revision', reference };
    requireThat(
      !hasOverrides,
      'container-images',
      'overrides cannot change a registered revision',
      'a task definition file (or none: the current one) with container-images or environment',
    );
  } else if (reference) {
    requireThat(
      inputs.mode !== 'rollback',
      'task-definition',
      'in rollback mode names the revision to go back to',
      'family:revision or a task definition ARN',
    );
    const path = isAbsolute(reference) ? reference : join(workspace, reference);
    let document: Json;
    try {
      document = readTaskDefinitionFile(path);
    } catch (error) {
      throw new ConfigurationError(
        `task-definition: ${(error as Error).message}; expected a JSON or YAML task definition file, family:revision or an ARN`,
      );
    }
    const problems = overrideProblems(document, inputs.containerImages, inputs.environment);
    if (problems.length) throw new ConfigurationError(problems);
    source = { kind: 'file', path: reference, document };
  }
  if (inputs.mode === 'rollback') {
    requireThat(
      !hasOverrides,
      'mode',
      'rollback does not take container-images or environment',
      'mode deploy for new images',
    );
  }
  return { ...inputs, source };
}
