/**
 * Runs a built action bundle the way the GitHub runner does: a separate Node 24 process with
 * INPUT_* variables and the GITHUB_OUTPUT/ENV/PATH/STATE/STEP_SUMMARY files, then the post step
 * (dist/post/index.js) with STATE_* when asked. Returns what a workflow would see, and fails the
 * calling test when a planted secret shows in the log, the summary or an output.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Annotation,
  createStepFiles,
  inputEnvironment,
  NODE24,
  parseAnnotations,
  parseFileCommands,
  readStepFiles,
  runnerPath,
  stepEnvironment,
} from '../local/runner/src/step-protocol.mjs';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

// The step protocol (environment, file commands, annotations) is the local workflow runner's.
export { type Annotation, NODE24, parseAnnotations, parseFileCommands, runnerPath };

export interface StepResult {
  exitCode: number | null;
  outputs: Record<string, string>;
  state: Record<string, string>;
  /** Variables the step exported through GITHUB_ENV. */
  env: Record<string, string>;
  /** Directories the step added through GITHUB_PATH. */
  path: string[];
  summary: string;
  annotations: Annotation[];
  /** Everything the process wrote to stdout and stderr, as the runner would log it. */
  log: string;
  durationMs: number;
}

export interface RunResult extends StepResult {
  /** The post step, when `post: true` and the action has one. */
  post?: StepResult;
}

export interface RunOptions {
  inputs?: Record<string, string | number | boolean>;
  /** Extra environment (GITHUB_* defaults can be overridden here). */
  env?: Record<string, string | undefined>;
  /** Values that must never appear in the log, the summary or an output. */
  secrets?: string[];
  /** Also run the post step with the state the main step saved. */
  post?: boolean;
  cwd?: string;
  timeoutMs?: number;
  /** Called with each log line while the step runs (for tests that act on progress). */
  onLine?: (line: string) => void;
}

/** `smoke-test` -> actions/smoke-test/dist/index.js; an absolute directory is used as is. */
export function actionDir(action: string): string {
  return isAbsolute(action) ? action : join(ROOT, 'actions', action);
}

export async function runAction(action: string, options: RunOptions = {}): Promise<RunResult> {
  const dir = actionDir(action);
  const main = join(dir, 'dist/index.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
  const result: RunResult = await runStep(main, options, {});
  const postEntry = join(dir, 'dist/post/index.js');
  if (options.post && existsSync(postEntry)) result.post = await runStep(postEntry, options, result.state);
  for (const step of [result, result.post]) if (step) assertNoSecrets(step, options.secrets ?? []);
  return result;
}

async function runStep(entry: string, options: RunOptions, state: Record<string, string>): Promise<StepResult> {
  const temp = mkdtempSync(join(tmpdir(), 'action-run-'));
  const files = createStepFiles(temp);
  const cwd = options.cwd ?? ROOT;
  const env = stepEnvironment(
    process.env,
    {
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_WORKSPACE: cwd,
      GITHUB_REPOSITORY: 'org/example',
      GITHUB_REPOSITORY_OWNER: 'org',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'https://api.github.com',
      GITHUB_RUN_ID: '1000',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTOR: 'octocat',
      GITHUB_TRIGGERING_ACTOR: 'octocat',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_REF: 'refs/heads/main',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_TEMP: join(temp, 'runner-temp'),
      RUNNER_TOOL_CACHE: join(temp, 'tool-cache'),
    },
    files,
    options.env,
    inputEnvironment(options.inputs),
    Object.fromEntries(Object.entries(state).map(([name, value]) => [`STATE_${name}`, value])),
  );

  const started = Date.now();
  const { exitCode, log } = await spawnNode(entry, cwd, env, options);
  const step: StepResult = {
    exitCode,
    ...readStepFiles(files),
    annotations: parseAnnotations(log),
    log,
    durationMs: Date.now() - started,
  };
  rmSync(temp, { recursive: true, force: true });
  return step;
}

function spawnNode(
  entry: string,
  cwd: string,
  env: Record<string, string>,
  options: RunOptions,
): Promise<{ exitCode: number | null; log: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE24, [entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    let pending = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      log += text;
      if (!options.onLine) return;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) options.onLine(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not finish within ${options.timeoutMs}ms; log so far:\n${log.slice(-4000)}`));
    }, options.timeoutMs ?? 110_000);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, log });
    });
  });
}

/**
 * Fails when a planted secret shows anywhere a person or another job could read it. `::add-mask::`
 * lines are how a step tells the runner what to hide; the runner consumes them, so they are skipped.
 */
export function assertNoSecrets(step: StepResult, secrets: string[]): void {
  const log = step.log
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  const places: [string, string][] = [
    ['log', log],
    ['summary', step.summary],
    ...Object.entries(step.outputs).map(([name, value]): [string, string] => [`output ${name}`, value]),
  ];
  for (const secret of secrets.filter(Boolean)) {
    for (const [place, text] of places) {
      if (text.includes(secret)) {
        const at = text.indexOf(secret);
        const context = text.slice(Math.max(0, at - 80), at + secret.length + 80).replace(secret, '<<SECRET>>');
        throw new Error(`a planted secret appeared in the ${place}: ...${context}...`);
      }
    }
  }
}
