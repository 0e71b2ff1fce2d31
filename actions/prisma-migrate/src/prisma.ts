import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Clock } from '../../../shared/clock.js';
import { ConfigurationError } from '../../../shared/errors.js';
import { exec } from '../../../shared/exec.js';
import { retry } from '../../../shared/retry.js';

/** `node_modules/.bin/prisma` from the working directory upward: the repository's own CLI. */
export function findPrismaCli(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '.bin', 'prisma');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

export function prismaCommand(given: string[] | undefined, workingDirectory: string): [string, string[]] {
  if (given?.length) return [given[0]!, given.slice(1)];
  const cli = findPrismaCli(workingDirectory);
  if (!cli) {
    throw new ConfigurationError(
      `prisma-command: no Prisma CLI found (node_modules/.bin/prisma from ${workingDirectory} upward); expected the repository's dependencies installed, or a command such as "pnpm exec prisma"`,
    );
  }
  return [cli, []];
}

/** The `P1234` error code of Prisma's output, if any. */
export const prismaErrorCode = (output: string): string | undefined => /\bError: (P\d{4})\b/.exec(output)?.[1];

/** Names listed under "The following migration(s) have been applied:". */
export function appliedNames(output: string): string[] {
  const at = output.indexOf('have been applied');
  if (at === -1) return [];
  return [...output.slice(at).matchAll(/└─ ([^/\s]+)\/\s*$/gm)].map((m) => m[1]!).filter((n) => n !== 'migrations');
}

export class PrismaError extends Error {
  override name = 'PrismaError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly output: string,
  ) {
    super(message);
  }
}

export interface PrismaRun {
  program: string;
  args: string[];
  cwd: string;
  schema: string;
  env: Record<string, string>;
}

async function runPrisma(run: PrismaRun, command: string[]): Promise<string> {
  const schema = relative(run.cwd, run.schema) || run.schema;
  const result = await exec(run.program, [...run.args, ...command, '--schema', schema], {
    cwd: run.cwd,
    env: run.env,
    allowFailure: true,
  });
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.exitCode !== 0) {
    const code = prismaErrorCode(output);
    throw new PrismaError(
      `prisma ${command.join(' ')} exited with code ${result.exitCode}${code ? ` (${code})` : ''}`,
      code,
      output,
    );
  }
  return output;
}

/**
 * `prisma migrate deploy`, retried while another deployment holds Prisma's advisory lock (P1002)
 * until `lockTimeoutMs` has passed in total.
 */
export async function migrateDeploy(
  run: PrismaRun,
  options: { lockTimeoutMs: number; clock: Clock; onLockWait?: (attempt: number, delayMs: number) => void },
): Promise<{ output: string; attempts: number }> {
  let attempts = 0;
  const deadline = options.clock.now() + options.lockTimeoutMs;
  const output = await retry(
    async (attempt) => {
      attempts = attempt;
      return runPrisma(run, ['migrate', 'deploy']);
    },
    {
      label: 'prisma migrate deploy',
      attempts: 1000,
      baseDelayMs: 1000,
      maxDelayMs: 10_000,
      deadline,
      clock: options.clock,
      isRetryable: (error) => error instanceof PrismaError && error.code === 'P1002',
      onRetry: ({ attempt, delayMs }) => options.onLockWait?.(attempt, delayMs),
    },
  );
  return { output, attempts };
}

/** The commands a person runs after a failed migration, ready to paste. */
export function resolveCommands(migration: string, schema: string): string[] {
  return [
    `npx prisma migrate resolve --rolled-back "${migration}" --schema ${schema}   # after undoing its partial changes, to re-apply it`,
    `npx prisma migrate resolve --applied "${migration}" --schema ${schema}       # after completing it by hand`,
  ];
}
