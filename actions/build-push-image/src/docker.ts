/**
 * The docker command lines (pure, so the buildx path is tested without buildx) and running them:
 * build, push with retries, and reading what a failed build was doing.
 */
import { type ExecResult, exec } from '../../../shared/exec.js';
import { type RetryOptions, retry } from '../../../shared/retry.js';

export interface BuildPlan {
  service: string;
  context: string;
  dockerfile: string;
  target?: string;
  /** Full references `repo:tag`. */
  references: string[];
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  platforms: string[];
  /** Build secret ids; values travel in the environment variables named by secretEnv. */
  secrets: string[];
  cache: 'none' | 'registry' | 'gha';
  /** repo:buildcache-<service>, for the registry cache. */
  cacheRef: string;
  provenance: boolean;
  sbom: boolean;
  push: boolean;
  iidFile: string;
  metadataFile: string;
}

export const secretEnv = (index: number): string => `BUILD_PUSH_IMAGE_SECRET_${index}`;

function common(plan: BuildPlan, dockerfile: string, labels: boolean): string[] {
  const args = ['--file', dockerfile];
  for (const reference of plan.references) args.push('--tag', reference);
  if (plan.target) args.push('--target', plan.target);
  for (const [key, value] of Object.entries(plan.buildArgs)) args.push('--build-arg', `${key}=${value}`);
  if (labels) for (const [key, value] of Object.entries(plan.labels)) args.push('--label', `${key}=${value}`);
  args.push('--iidfile', plan.iidFile);
  return args;
}

/**
 * The classic builder turns every `--label` into its own LABEL step (a container and a layer
 * commit each, about a second apiece on some storage drivers). Instead the labels go into one
 * LABEL instruction at the end of the built stage (the target's, else the last) of a copy of the
 * Dockerfile.
 */
export function dockerfileWithLabels(text: string, labels: Record<string, string>, target?: string): string {
  const entries = Object.entries(labels);
  if (!entries.length) return text;
  const escapeChar = /^#\s*escape\s*=\s*`/im.test(text.split(/\n(?!\s*#)/)[0] ?? '') ? '`' : '\\';
  const quote = (value: string) =>
    `"${value.replace(/[\\`"$]/g, (c) => (c === escapeChar || c === '"' || c === '$' ? `${escapeChar}${c}` : c)).replace(/\r?\n/g, ' ')}"`;
  const instruction = `LABEL ${entries.map(([k, v]) => `${quote(k)}=${quote(v)}`).join(' ')}`;
  const lines = text.replace(/\s*$/, '').split('\n');
  let insertAt = lines.length;
  if (target) {
    const start = lines.findIndex((line) =>
      new RegExp(`^\\s*FROM\\s.*\\sAS\\s+${target.replace(/[.]/g, '\\.')}\\s*$`, 'i').test(line),
    );
    if (start >= 0) {
      const next = lines.findIndex((line, i) => i > start && /^\s*FROM\s/i.test(line));
      if (next >= 0) insertAt = next;
    }
  }
  lines.splice(insertAt, 0, instruction);
  return `${lines.join('\n')}\n`;
}

/** `docker build` for the classic builder (DOCKER_BUILDKIT=0): one platform, pushed afterwards. */
export function classicBuildArgs(plan: BuildPlan, labelledDockerfile: string): string[] {
  const args = ['build', ...common(plan, labelledDockerfile, false)];
  if (plan.platforms.length === 1) args.push('--platform', plan.platforms[0]!);
  args.push(plan.context);
  return args;
}

/**
 * `docker buildx build`: pushes in the same command; provenance and SBOM are off unless asked, so a
 * single-platform image stays a single image manifest (not an index with an unknown/unknown entry).
 */
export function buildxBuildArgs(plan: BuildPlan): string[] {
  const args = ['buildx', 'build', ...common(plan, plan.dockerfile, true)];
  if (plan.platforms.length) args.push('--platform', plan.platforms.join(','));
  plan.secrets.forEach((id, index) => {
    args.push('--secret', `id=${id},env=${secretEnv(index)}`);
  });
  if (plan.cache === 'registry') {
    args.push('--cache-from', `type=registry,ref=${plan.cacheRef}`);
    if (plan.push) args.push('--cache-to', `type=registry,ref=${plan.cacheRef},mode=max,image-manifest=true`);
  } else if (plan.cache === 'gha') {
    args.push('--cache-from', `type=gha,scope=${plan.service}`);
    args.push('--cache-to', `type=gha,scope=${plan.service},mode=max`);
  }
  args.push(`--provenance=${plan.provenance ? 'mode=max' : 'false'}`);
  args.push(`--sbom=${plan.sbom ? 'true' : 'false'}`);
  args.push('--metadata-file', plan.metadataFile);
  args.push(plan.push ? '--push' : '--load');
  args.push(plan.context);
  return args;
}

/** The Dockerfile step that failed and the last lines of the output. */
export function describeBuildFailure(output: string, tailLines = 15): { step?: string; tail: string } {
  const lines = output.replace(/\r/g, '').split('\n');
  let step: string | undefined;
  for (const line of lines) {
    const classic = /^Step \d+\/\d+ : .*/.exec(line);
    if (classic) step = classic[0];
    const buildkit = /(?:^ERROR:? |^#\d+ ERROR: |^ > )?\[[^\]]*\d+\/\d+\] (.+?):?$/.exec(line);
    if (buildkit && /ERROR|^ > /.test(line))
      step = line
        .replace(/^(?:#\d+ )?ERROR:? /, '')
        .replace(/^ > /, '')
        .trim();
  }
  const tail = lines
    .filter((l) => l.trim())
    .slice(-tailLines)
    .join('\n');
  return { step, tail };
}

/** `tag: digest: sha256:... size: 1234` from docker push. */
export function parsePushDigest(output: string): string | undefined {
  return /digest: (sha256:[a-f0-9]{64})/.exec(output)?.[1];
}

const TRANSIENT_PUSH =
  /\b5\d\d\b|429|too ?many ?requests|connection reset|unexpected EOF|\bEOF\b|broken pipe|i\/o timeout|connection refused|TLS handshake timeout|Service Unavailable|Bad Gateway|Gateway Time-?out|server misbehaving|\bunavailable\b/i;

/** Whether a failed push (or buildx build --push, or login) is worth another attempt. */
export const isTransientDockerFailure = (error: unknown): boolean => {
  const result = (error as { result?: ExecResult }).result;
  const text = result ? `${result.stderr}\n${result.stdout}` : String((error as Error)?.message ?? error);
  if (/denied|unauthorized|not found|manifest invalid|name unknown/i.test(text) && !/\b5\d\d\b|429/.test(text))
    return false;
  return TRANSIENT_PUSH.test(text);
};

/** Runs a docker command, again on transient registry faults. */
export function dockerWithRetry(
  args: string[],
  options: { env: Record<string, string | undefined>; input?: string; label: string } & Pick<
    RetryOptions,
    'attempts' | 'baseDelayMs' | 'clock'
  >,
): Promise<ExecResult> {
  return retry(() => exec('docker', args, { env: options.env, input: options.input }), {
    label: options.label,
    attempts: options.attempts,
    baseDelayMs: options.baseDelayMs,
    clock: options.clock,
    isRetryable: isTransientDockerFailure,
  });
}
