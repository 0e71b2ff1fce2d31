/**
 * One step process under the runner protocol: its environment (the one place it is built), its
 * file-command files, the workflow commands on its output (masks, groups, annotations,
 * stop-commands), `timeout-minutes` and the job deadline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { toText } from './expressions.js';
import { githubVariables } from './github-context.js';
import {
  createStepFiles,
  lineReader,
  parseWorkflowCommand,
  readStepFiles,
  type StepFiles,
  stepEnvironment,
  toAnnotation,
} from './step-protocol.mjs';
import { failedStep, type StepHost, type StepRun } from './types.js';
import { evalToken, type StepDef } from './workflow.js';

/**
 * The environment a step gets: this machine's (cleaned, see stepEnvironment), the run's extra
 * environment, the GITHUB_ and RUNNER_ variables and protocol files, then the step's own (job and step
 * `env:`, GITHUB_ENV of earlier steps, inputs), with GITHUB_PATH entries in front of PATH.
 */
export function environmentFor(
  host: StepHost,
  step: StepDef,
  files: StepFiles,
  own: Record<string, string>,
): Record<string, string> {
  const { run } = host;
  const env = stepEnvironment(
    process.env,
    run.options.env,
    githubVariables(run.github, host.workspace, host.job.id),
    {
      GITHUB_ACTION: step.id ?? `__step${step.index}`,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_NAME: 'local',
      RUNNER_TEMP: host.temp,
      RUNNER_TOOL_CACHE: host.toolCache,
      RUNNER_DEBUG: process.env.RUNNER_DEBUG,
      // Hosted runners speak cache service v2 (Twirp on ACTIONS_RESULTS_URL): a run given a cache
      // service gets v2 unless its env sets ACTIONS_CACHE_SERVICE_V2 (the emulator serves both).
      ...(run.options.env?.ACTIONS_CACHE_URL && run.options.env.ACTIONS_CACHE_SERVICE_V2 === undefined
        ? {
            ACTIONS_CACHE_SERVICE_V2: 'true',
            ACTIONS_RESULTS_URL: run.options.env.ACTIONS_RESULTS_URL ?? run.options.env.ACTIONS_CACHE_URL,
          }
        : {}),
    },
    files,
    own,
  );
  if (host.path.length) env.PATH = [...host.path, env.PATH ?? ''].join(':');
  return env;
}

/** Runs one step process with the runner protocol files; streams its log with masking. */
export function spawnStep(
  host: StepHost,
  program: string,
  args: string[],
  cwd: string,
  own: Record<string, string>,
  step: StepDef,
): Promise<StepRun> {
  const { run } = host;
  const files = createStepFiles(host.temp, `-${randomUUID()}`);
  const env = environmentFor(host, step, files, own);
  const verbose = run.options.verbose !== false;
  const timeoutMs = step.timeoutMinutes
    ? Number(toText(evalToken(step.timeoutMinutes, host.ctx()))) * 60_000
    : Number.POSITIVE_INFINITY;
  const jobLeft = host.deadline - Date.now();
  const limit = Math.min(timeoutMs, jobLeft);
  if (!existsSync(cwd)) return Promise.resolve(failedStep(`working directory ${cwd} does not exist`));
  return new Promise((resolveStep) => {
    // Its own process group, so a timeout or a cancel stops everything the step started (as the
    // runner kills the process tree), not only its shell.
    const child = spawn(program, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    run.running.add(child);
    host.children.add(child);
    const onLine = commandHandler(host, env, verbose);
    const out = lineReader(onLine.line);
    const err = lineReader(onLine.line);
    child.stdout.on('data', out.data);
    child.stderr.on('data', err.data);
    let timedOut = false;
    const timer = Number.isFinite(limit)
      ? setTimeout(
          () => {
            timedOut = true;
            stopStep(child);
          },
          Math.max(0, limit),
        )
      : undefined;
    let finished = false;
    const finish = (exitCode: number | null, error?: string) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      run.running.delete(child);
      host.children.delete(child);
      out.end();
      err.end();
      const written = readStepFiles(files);
      resolveStep({
        exitCode,
        ...written,
        outputs: { ...onLine.legacyOutputs, ...written.outputs },
        error: timedOut ? timeoutMessage(host, timeoutMs < jobLeft) : error,
      });
    };
    child.on('error', (e) => finish(null, `${program}: ${e.message}`));
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 + 15 : null)));
  });
}

/** The workflow commands a step writes on stdout/stderr, applied as the runner does. */
function commandHandler(host: StepHost, env: Record<string, string>, verbose: boolean) {
  let stopToken: string | undefined;
  const legacyOutputs: Record<string, string> = {};
  const line = (text: string) => {
    if (stopToken) {
      if (text === `::${stopToken}::`) stopToken = undefined;
      else host.line(text, verbose);
      return;
    }
    const command = parseWorkflowCommand(text);
    if (!command) return host.line(text, verbose);
    switch (command.command) {
      case 'add-mask':
        host.run.masker.add(command.data);
        return;
      case 'group':
        return host.line(`▸ ${command.data}`, verbose);
      case 'endgroup':
        return;
      case 'debug':
        if (env.RUNNER_DEBUG === '1') host.line(`##[debug]${command.data}`, verbose);
        return;
      case 'stop-commands':
        stopToken = command.data;
        return;
      case 'set-output':
        legacyOutputs[command.properties.name ?? ''] = command.data;
        return;
      case 'echo':
      case 'save-state':
        return;
    }
    const annotation = toAnnotation(command);
    if (annotation) {
      host.record.annotations.push(annotation);
      const place = annotation.file ? ` (${annotation.file}${annotation.line ? `:${annotation.line}` : ''})` : '';
      const level = annotation.level[0]!.toUpperCase() + annotation.level.slice(1);
      // Errors and warnings are always shown, even when step output is not.
      return host.line(
        `${level}: ${annotation.title ? `${annotation.title}: ` : ''}${annotation.message}${place}`,
        true,
      );
    }
    host.line(text, verbose);
  };
  return { line, legacyOutputs };
}

function timeoutMessage(host: StepHost, stepLimit: boolean): string {
  if (stepLimit) return 'the step timed out (timeout-minutes)';
  // GitHub's words when a job reaches its timeout-minutes or the hosted 6-hour cap.
  return `The job running on runner local has exceeded the maximum execution time of ${host.jobMinutes} minutes.`;
}

/** SIGTERM to a step's process group, SIGKILL 5 s later if it is still there. */
export function stopStep(child: ChildProcess): void {
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, name);
    } catch {
      child.kill(name); // the group is gone or was never made
    }
  };
  signal('SIGTERM');
  setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) signal('SIGKILL');
  }, 5000).unref();
}
