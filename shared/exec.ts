import * as actionsExec from '@actions/exec';
import { info } from './log.js';
import { redact } from './secrets.js';

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin (how secrets reach a CLI: never as an argument). */
  input?: string;
  /** Echo each output line to the log, scrubbed of secrets (default true). */
  stream?: boolean;
  /** Resolve with the exit code instead of throwing on a non-zero one. */
  allowFailure?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class ExecError extends Error {
  override name = 'ExecError';
  constructor(
    readonly command: string,
    readonly result: ExecResult,
  ) {
    const tail = lastLines(result.stderr || result.stdout, 20);
    super(`${command} exited with code ${result.exitCode}${tail ? `:\n${tail}` : ''}`);
  }
}

export const lastLines = (text: string, count: number): string =>
  redact(text.trimEnd().split('\n').slice(-count).join('\n'));

/**
 * Runs a program with an argument array (never a shell string). The command line and every output
 * line are scrubbed of registered secrets before they reach the log.
 */
export async function exec(program: string, args: string[], options: ExecOptions = {}): Promise<ExecResult> {
  const stream = options.stream ?? true;
  const display = redact([program, ...args].join(' '));
  // Through the safe log path: an argument holding a newline and `::stop-commands::` stays inert.
  info(`[command]${display}`);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const env = options.env
    ? (Object.fromEntries(
        Object.entries({ ...process.env, ...options.env }).filter(([, v]) => v !== undefined),
      ) as Record<string, string>)
    : undefined;
  let exitCode: number;
  try {
    exitCode = await actionsExec.exec(program, args, {
      cwd: options.cwd,
      env,
      input: options.input === undefined ? undefined : Buffer.from(options.input),
      silent: true,
      ignoreReturnCode: true,
      listeners: {
        stdout: (data) => stdout.push(data),
        stderr: (data) => stderr.push(data),
        stdline: (line) => stream && info(line),
        errline: (line) => stream && info(line),
      },
    });
  } catch (error) {
    // Spawn failures (program not found) carry the command line; keep it scrubbed.
    throw new Error(`could not run ${display}: ${redact(error instanceof Error ? error.message : String(error))}`);
  }
  const result = { exitCode, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
  if (exitCode !== 0 && !options.allowFailure) throw new ExecError(display, result);
  return result;
}

/** Whether a program answers `program args` with exit code 0 (e.g. `docker buildx version`). */
export async function succeeds(program: string, args: string[]): Promise<boolean> {
  try {
    return (await exec(program, args, { stream: false, allowFailure: true })).exitCode === 0;
  } catch {
    return false;
  }
}
