import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import * as core from '@actions/core';
import { setOutput } from '../../../shared/action.js';
import { type Clock, systemClock } from '../../../shared/clock.js';
import { formatDuration } from '../../../shared/duration.js';
import { group, info } from '../../../shared/log.js';
import { displayUrl, registerSecretUrl } from '../../../shared/secrets.js';
import { backupDatabase } from './backup.js';
import { DatabaseError, markResolved, readState, where } from './database.js';
import { getInputs, type Inputs } from './inputs.js';
import { type Finding, lintMigrations } from './lint.js';
import { compare, type Preflight, readLocalMigrations, statusOf } from './migrations.js';
import { appliedNames, migrateDeploy, PrismaError, type PrismaRun, prismaCommand, resolveCommands } from './prisma.js';
import { type AppliedMigration, type Report, writeReport } from './report.js';
import { urlFromSecretsManager } from './source.js';

/** The variable the schema's datasource reads the URL from (`url = env("...")`). */
export function urlVariable(schemaText: string): string {
  const datasource = /datasource\s+\w+\s*\{([^}]*)\}/.exec(schemaText)?.[1] ?? '';
  return /\burl\s*=\s*env\(\s*"([^"]+)"\s*\)/.exec(datasource)?.[1] ?? 'DATABASE_URL';
}

export async function main(clock: Clock = systemClock): Promise<void> {
  const inputs = getInputs();
  const [program, args] = prismaCommand(inputs.prismaCommand, inputs.workingDirectory);
  const local = readLocalMigrations(inputs.migrationsDir);
  const schemaRelative = relative(inputs.workingDirectory, inputs.schema) || inputs.schema;

  const url =
    inputs.databaseUrl ??
    (await group('Database URL from Secrets Manager', () =>
      urlFromSecretsManager(
        inputs.databaseSecretId!,
        inputs.databaseSecretKey || undefined,
        inputs.awsRegion || undefined,
      ),
    ));
  registerSecretUrl(url.toString());
  info(`database: ${displayUrl(url)}`);

  const run: PrismaRun = {
    program,
    args,
    cwd: inputs.workingDirectory,
    schema: inputs.schema,
    env: { [urlVariable(readFileSync(inputs.schema, 'utf8'))]: url.toString() },
  };
  const report: Report = {
    mode: inputs.mode,
    database: where(url),
    status: 'unknown',
    applied: [],
    findings: [],
    blocked: [],
    schema: schemaRelative,
  };
  const finish = async (status: string) => {
    report.status = status;
    setOutput('status', status);
    await writeReport(report);
  };

  let preflight: Preflight;
  try {
    preflight = await group('Pre-flight: _prisma_migrations against the migrations folder', async () => {
      const rows = await readState(url, inputs.connectTimeout);
      const result = compare(local, rows);
      logPreflight(result, local.length);
      return result;
    });
  } catch (error) {
    if (error instanceof DatabaseError) {
      await finish(error.kind === 'query' ? 'error' : 'unreachable');
      throw new Error(`${error.message}; nothing was applied`);
    }
    throw error;
  }
  report.preflight = preflight;
  setPreflightOutputs(preflight);

  const findings = await group('Lint: destructive changes in pending migrations', async () => {
    const found = lintMigrations(preflight.pending);
    if (!found.length) info(`no destructive change in ${preflight.pending.length} pending migration(s)`);
    return found;
  });
  report.findings = findings;
  const refuse = inputs.mode === 'plan' || inputs.mode === 'deploy';
  const blocking = findings.filter((f) => !f.allowedBecause && !inputs.allowDestructive);
  annotate(findings, inputs, refuse);
  setOutput(
    'destructive',
    findings.map((f) => ({ ...f, file: relative(inputs.workspace, f.file) })),
  );

  if (inputs.mode === 'status') {
    await finish(statusOf(preflight));
    return;
  }
  if (inputs.mode === 'resolve') {
    await resolveMigration(inputs, preflight, url, report, finish);
    return;
  }

  // plan and deploy refuse the same things; plan stops there.
  const problems = refusals(preflight, blocking, schemaRelative);
  report.blocked = problems;
  if (problems.length) {
    await finish(statusOf(preflight) === 'failed' ? 'failed' : preflight.modified.length ? 'modified' : 'blocked');
    throw new Error(problems.join('\n'));
  }
  if (inputs.mode === 'plan' || preflight.pending.length === 0) {
    if (inputs.mode === 'deploy') info('nothing to apply: the database is up to date');
    await finish(statusOf(preflight));
    return;
  }

  if (inputs.backup) {
    const backup = await group('Backup: pg_dump before applying', async () => {
      const result = await backupDatabase(url, inputs.backupDir);
      info(`backup written to ${result.path} (${result.bytes} bytes, pg_dump custom format; restore with pg_restore)`);
      return result;
    });
    report.backupPath = backup.path;
    setOutput('backup-path', backup.path);
  }

  const started = clock.now();
  let deployError: unknown;
  let output = '';
  await group(`Deploy: prisma migrate deploy (${preflight.pending.length} pending)`, async () => {
    try {
      const result = await migrateDeploy(run, {
        lockTimeoutMs: inputs.lockTimeout,
        clock,
        onLockWait: (attempt, delayMs) =>
          info(
            `another deployment holds Prisma's migration lock (P1002, attempt ${attempt}); retrying in ${formatDuration(delayMs)} (lock-timeout ${formatDuration(inputs.lockTimeout)})`,
          ),
      });
      output = result.output;
    } catch (error) {
      deployError = error;
      output = error instanceof PrismaError ? error.output : '';
    }
  });
  report.deployMs = clock.now() - started;

  const rows = await group('After: _prisma_migrations', () => readState(url, inputs.connectTimeout));
  const after = compare(local, rows);
  const pendingBefore = new Set(preflight.pending.map((m) => m.name));
  const listed = appliedNames(output);
  const mine = listed.length ? listed : deployError ? after.applied.filter((n) => pendingBefore.has(n)) : [];
  report.applied = mine.map((name): AppliedMigration => {
    const row = rows?.find((r) => r.migration_name === name && r.finished_at && !r.rolled_back_at);
    return { name, ms: row?.finished_at ? row.finished_at.getTime() - row.started_at.getTime() : undefined };
  });
  for (const m of report.applied) info(`applied ${m.name}${m.ms === undefined ? '' : ` in ${formatDuration(m.ms)}`}`);
  if (!deployError && !mine.length && preflight.pending.length) {
    info('nothing left to apply: another deployment applied the pending migrations first');
  }
  report.after = after;
  setOutput('applied', report.applied);
  setPreflightOutputs(after);

  if (deployError) {
    const failedNow = after.failed[0];
    if (failedNow) {
      const message = failedMessage(failedNow.name, failedNow.logs, schemaRelative, failedNow.startedAt);
      report.blocked = [message];
      core.error(message, { title: `Migration ${failedNow.name} failed` });
      await finish('failed');
      throw new Error(
        `migration ${failedNow.name} failed; it is recorded as failed and blocks later migrations until resolved (see the commands above)`,
      );
    }
    await finish('error');
    if (deployError instanceof PrismaError && deployError.code === 'P1002') {
      throw new Error(
        `another deployment held Prisma's migration lock for longer than lock-timeout (${formatDuration(inputs.lockTimeout)}); nothing was applied by this run`,
      );
    }
    throw deployError;
  }
  await finish(report.applied.length ? 'applied' : statusOf(after));
}

function logPreflight(p: Preflight, localCount: number): void {
  info(
    `${localCount} local migration(s); ${p.fresh ? 'fresh database (no _prisma_migrations table)' : `${p.applied.length} applied`}; ${p.pending.length} pending`,
  );
  for (const m of p.pending) info(`pending: ${m.name}`);
  for (const f of p.failed) info(`FAILED: ${f.name} (started ${f.startedAt.toISOString()})`);
  for (const m of p.modified) info(`MODIFIED after it was applied: ${m.name}`);
  for (const name of p.missing)
    core.warning(
      `migration ${name} is applied in the database but missing from the migrations folder (deploying an older revision?)`,
    );
}

function setPreflightOutputs(p: Preflight): void {
  setOutput(
    'pending',
    p.pending.map((m) => m.name),
  );
  setOutput('failed', p.failed[0]?.name ?? '');
  setOutput(
    'modified',
    p.modified.map((m) => m.name),
  );
  setOutput('missing', p.missing);
}

function annotate(findings: Finding[], inputs: Inputs, refuse: boolean): void {
  for (const f of findings) {
    const allowed = f.allowedBecause
      ? `allowed: ${f.allowedBecause}`
      : inputs.allowDestructive
        ? 'allowed by allow-destructive'
        : '';
    const properties = {
      file: relative(inputs.workspace, f.file),
      startLine: f.line,
      title: `Destructive migration (${f.rule})`,
    };
    const message = `${f.migration}: ${f.message}${allowed ? ` (${allowed})` : ''}`;
    if (refuse && !allowed) core.error(message, properties);
    else core.warning(message, properties);
  }
}

export function failedMessage(name: string, logs: string, schema: string, startedAt?: Date): string {
  const commands = resolveCommands(name, schema);
  return [
    `migration ${name} failed${startedAt ? ` (started ${startedAt.toISOString()})` : ''}; Prisma will apply nothing until it is resolved (P3009).`,
    'Its logs:',
    ...logs
      .trim()
      .split('\n')
      .map((line) => `  ${line}`),
    'Resolve it with one of:',
    ...commands.map((c) => `  ${c}`),
    `or run this action with mode: resolve, migration: ${name}, resolve-as: rolled-back | applied`,
  ].join('\n');
}

function refusals(p: Preflight, blocking: Finding[], schema: string): string[] {
  const problems: string[] = [];
  for (const f of p.failed) {
    const message = failedMessage(f.name, f.logs, schema, f.startedAt);
    core.error(message, { title: `Migration ${f.name} failed earlier` });
    problems.push(`failed migration: ${f.name} is recorded as failed in _prisma_migrations; resolve it first`);
  }
  for (const m of p.modified) {
    problems.push(
      `modified migration: ${m.name} was changed after it was applied (checksum ${m.applied.slice(0, 12)}… applied, ${m.local.slice(0, 12)}… local); restore the applied file and put changes in a new migration`,
    );
  }
  if (blocking.length) {
    problems.push(
      `destructive changes: ${blocking.length} finding(s) in pending migrations (${[...new Set(blocking.map((f) => f.rule))].join(', ')}); set allow-destructive: true or put "-- prisma-migrate: allow-destructive <reason>" above the statement`,
    );
  }
  return problems;
}

async function resolveMigration(
  inputs: Inputs,
  preflight: Preflight,
  url: URL,
  report: Report,
  finish: (status: string) => Promise<void>,
): Promise<void> {
  const name = inputs.migration!;
  const as = inputs.resolveAs!;
  const failed = preflight.failed.some((f) => f.name === name);
  const pending = preflight.pending.some((m) => m.name === name);
  if (as === 'rolled-back' && !failed) {
    await finish(statusOf(preflight));
    throw new Error(`migration ${name} is not recorded as failed; only a failed migration can be marked rolled back`);
  }
  if (as === 'applied' && !failed && !pending) {
    await finish(statusOf(preflight));
    throw new Error(`migration ${name} is neither failed nor pending; there is nothing to mark applied`);
  }
  const mine = readLocalMigrations(inputs.migrationsDir).find((m) => m.name === name);
  if (as === 'applied' && !mine) {
    await finish(statusOf(preflight));
    throw new Error(`migration ${name} is not in the migrations folder; its checksum is needed to mark it applied`);
  }
  await group(`Resolve: mark ${name} ${as}`, () =>
    markResolved(url, inputs.connectTimeout, { name, checksum: mine?.checksum }, as),
  );
  const after = compare(readLocalMigrations(inputs.migrationsDir), await readState(url, inputs.connectTimeout));
  report.after = after;
  report.resolved = { name, as };
  setPreflightOutputs(after);
  core.notice(`migration ${name} marked ${as}`, { title: 'prisma migrate resolve' });
  await finish('resolved');
}
