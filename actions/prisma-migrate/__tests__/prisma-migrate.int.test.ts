/**
 * The bundle as a process against real PostgreSQL and the fixture project's real Prisma CLI
 * (prisma 6.19.3, offline recipe of DESIGN.md). Each scenario gets a throwaway database owned by a
 * role whose planted password must never show in a log, a summary or an output.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type RunResult, runAction } from '../../../test/harness.js';

const FIXTURE = new URL('./fixtures/prisma-project/', import.meta.url).pathname;
const ADMIN_URL = 'postgresql://postgres:postgres@127.0.0.1:5432/postgres';
const ROLE = 'prisma_migrate_tester';
const PASSWORD = `Pl@nted/${randomBytes(6).toString('hex')}`;
const ENCODED = encodeURIComponent(PASSWORD);
const SECRETS = [PASSWORD, ENCODED];
const databases: string[] = [];

/** The fixture's Prisma CLI and driver adapter (prisma@6.19.3 from its committed lockfile). */
function installFixture(): void {
  if (existsSync(join(FIXTURE, 'node_modules/.bin/prisma'))) return;
  execFileSync(
    'flock',
    [
      '/tmp/prisma-migrate-fixture.lock',
      'npm',
      'ci',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--prefix',
      FIXTURE,
    ],
    { stdio: 'inherit' },
  );
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL.replace(/\/postgres$/, `/${database}`) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function createDatabase(): Promise<string> {
  const name = `pm_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} OWNER ${ROLE}`));
  databases.push(name);
  return name;
}
const urlOf = (database: string, password = ENCODED) =>
  `postgresql://${ROLE}:${password}@127.0.0.1:5432/${database}?schema=public`;
const query = (database: string, sql: string) => admin((c) => c.query(sql).then((r) => r.rows), database);
const appliedRows = (database: string) =>
  query(
    database,
    'SELECT migration_name, finished_at, rolled_back_at, logs FROM _prisma_migrations ORDER BY started_at',
  );

/** A copy of the fixture project with extra migrations (node_modules linked, not copied). */
function project(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'prisma-migrate-project-'));
  cpSync(join(FIXTURE, 'prisma'), join(dir, 'prisma'), { recursive: true });
  cpSync(join(FIXTURE, 'prisma.config.ts'), join(dir, 'prisma.config.ts'));
  symlinkSync(join(FIXTURE, 'node_modules'), join(dir, 'node_modules'));
  for (const [name, sql] of Object.entries(extra)) addMigration(dir, name, sql);
  return dir;
}
function addMigration(dir: string, name: string, sql: string): void {
  mkdirSync(join(dir, 'prisma/migrations', name), { recursive: true });
  writeFileSync(join(dir, 'prisma/migrations', name, 'migration.sql'), sql);
}

function run(dir: string, inputs: Record<string, string>, options: { env?: Record<string, string> } = {}) {
  return runAction('prisma-migrate', {
    cwd: dir,
    inputs: { 'database-url': inputs['database-url'] ?? '', ...inputs },
    env: { ...options.env },
    secrets: SECRETS,
    timeoutMs: 100_000,
  });
}
const json = (result: RunResult, name: string) => JSON.parse(result.outputs[name] ?? 'null');
const failure = (result: RunResult) =>
  result.annotations
    .filter((a) => a.level === 'error')
    .map((a) => a.message)
    .join('\n');

beforeAll(async () => {
  installFixture();
  await admin(async (c) => {
    await c.query(`DROP ROLE IF EXISTS ${ROLE}`).catch(() => {});
    const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [ROLE]);
    const verb = exists.rowCount ? 'ALTER' : 'CREATE';
    await c.query(`${verb} ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD.replace(/'/g, "''")}'`);
  });
}, 120_000);

afterAll(async () => {
  await admin(async (c) => {
    for (const name of databases) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
});

describe('prisma-migrate (bundle, real PostgreSQL, real Prisma CLI)', () => {
  test.each([
    [{ mode: 'apply' }, 'mode: "apply" is not supported; expected one of status, plan, deploy, resolve'],
    [{ schema: 'db/schema.prisma' }, 'schema: db/schema.prisma does not exist'],
    [{ 'migrations-dir': 'sql' }, 'migrations-dir: sql does not exist'],
    [
      { 'database-url': `postgresql://${ROLE}:${PASSWORD}@127.0.0.1:5432` },
      'database-url: is not a valid URL (value hidden)',
    ],
    [{ 'database-url': `postgresql://${ROLE}:${ENCODED}@127.0.0.1:5432` }, 'database-url: names no database'],
    [{ mode: 'resolve', 'resolve-as': 'rolled-back' }, 'migration: is required in resolve mode'],
  ])('bad input %o: a clear error before connecting', async (inputs, message) => {
    const dir = project();
    const result = await run(dir, { 'database-url': urlOf('never_created'), ...inputs });
    expect(result.exitCode).toBe(1);
    expect(failure(result)).toContain(message);
    expect(result.log).not.toContain('Pre-flight');
  });

  test('unreachable database and wrong password: precise messages, nothing applied', async () => {
    const dir = project();
    const unreachable = await run(dir, {
      mode: 'deploy',
      'database-url': `postgresql://${ROLE}:${ENCODED}@127.0.0.1:1/db`,
    });
    expect(unreachable.exitCode).toBe(1);
    expect(unreachable.outputs.status).toBe('unreachable');
    expect(failure(unreachable)).toContain(
      `cannot reach the database server at 127.0.0.1:1/db as ${ROLE}: ECONNREFUSED; nothing was applied`,
    );

    const database = await createDatabase();
    const wrong = `Wr0ng-${randomBytes(4).toString('hex')}`;
    const denied = await runAction('prisma-migrate', {
      cwd: dir,
      inputs: { mode: 'deploy', 'database-url': urlOf(database, wrong) },
      secrets: [...SECRETS, wrong],
    });
    expect(denied.exitCode).toBe(1);
    expect(failure(denied)).toContain(
      `authentication failed connecting to 127.0.0.1:5432/${database} as ${ROLE}: wrong user or password`,
    );
    expect(await query(database, "SELECT to_regclass('_prisma_migrations') AS t")).toEqual([{ t: null }]);
  });

  test('fresh database: status, then deploy with a backup, then up to date', async () => {
    const dir = project();
    const database = await createDatabase();
    const url = urlOf(database);

    const status = await run(dir, { mode: 'status', 'database-url': url });
    expect(status.exitCode).toBe(0);
    expect(status.outputs.status).toBe('fresh');
    expect(json(status, 'pending')).toEqual(['20250101000000_init', '20250102000000_add_author']);
    expect(json(status, 'destructive')).toEqual([]);
    expect(status.summary).toContain('Fresh database');
    expect(status.summary).toContain('Pending migrations (2)');

    const backupDir = mkdtempSync(join(tmpdir(), 'prisma-migrate-backup-'));
    const deploy = await run(dir, { mode: 'deploy', 'database-url': url, backup: 'true', 'backup-dir': backupDir });
    expect(deploy.exitCode).toBe(0);
    expect(deploy.outputs.status).toBe('applied');
    const applied = json(deploy, 'applied') as { name: string; ms: number }[];
    expect(applied.map((m) => m.name)).toEqual(['20250101000000_init', '20250102000000_add_author']);
    for (const m of applied) expect(m.ms).toBeGreaterThanOrEqual(0);
    expect(json(deploy, 'pending')).toEqual([]);
    expect(deploy.outputs['backup-path']).toMatch(new RegExp(`^${backupDir}/${database}-\\d{8}T\\d{6}Z\\.dump$`));
    expect(readFileSync(deploy.outputs['backup-path']!).subarray(0, 5).toString()).toBe('PGDMP');
    expect(deploy.summary).toContain('Applied migrations (2)');
    expect(deploy.summary).toContain('20250102000000_add_author');
    expect((await appliedRows(database)).map((r) => r.migration_name)).toEqual(applied.map((m) => m.name));
    expect(
      await query(database, "SELECT column_name FROM information_schema.columns WHERE table_name = 'Note' ORDER BY 1"),
    ).toEqual([{ column_name: 'author' }, { column_name: 'id' }, { column_name: 'title' }]);

    const again = await run(dir, { mode: 'deploy', 'database-url': url, backup: 'true', 'backup-dir': backupDir });
    expect([again.exitCode, again.outputs.status, again.outputs['backup-path'] ?? '']).toEqual([0, 'up-to-date', '']);
    expect(again.log).not.toContain('[command]');
  });

  test('destructive migration: annotated, refused by plan and deploy, applied when allowed', async () => {
    const dir = project();
    const database = await createDatabase();
    const url = urlOf(database);
    expect((await run(dir, { mode: 'deploy', 'database-url': url })).exitCode).toBe(0);
    addMigration(
      dir,
      '20250103000000_cleanup',
      [
        '-- AlterTable',
        'ALTER TABLE "Note" DROP COLUMN "author";',
        '',
        'CREATE TABLE "Legacy" ("id" INT);',
        '-- prisma-migrate: allow-destructive Legacy was never written to',
        'DROP TABLE "Legacy";',
        '',
      ].join('\n'),
    );

    const plan = await run(dir, { mode: 'plan', 'database-url': url });
    expect(plan.exitCode).toBe(1);
    expect(plan.outputs.status).toBe('blocked');
    expect(json(plan, 'pending')).toEqual(['20250103000000_cleanup']);
    const findings = json(plan, 'destructive');
    expect(
      findings.map((f: { rule: string; line: number; allowedBecause?: string }) => [f.rule, f.line, f.allowedBecause]),
    ).toEqual([
      ['drop-column', 2, undefined],
      ['drop-table', 6, 'Legacy was never written to'],
    ]);
    const annotation = plan.annotations.find((a) => a.title === 'Destructive migration (drop-column)');
    expect(annotation).toMatchObject({ level: 'error', line: 2 });
    expect(annotation!.file).toMatch(/20250103000000_cleanup\/migration\.sql$/);
    expect(plan.annotations.find((a) => a.title === 'Destructive migration (drop-table)')?.level).toBe('warning');
    expect(failure(plan)).toContain('destructive changes: 1 finding(s) in pending migrations (drop-column)');
    expect(plan.summary).toContain('Destructive-change lint (2)');

    const refused = await run(dir, { mode: 'deploy', 'database-url': url });
    expect([refused.exitCode, refused.outputs.status]).toEqual([1, 'blocked']);
    expect(refused.log).not.toContain('migrate deploy --schema');
    expect((await appliedRows(database)).length).toBe(2);

    const allowed = await run(dir, { mode: 'deploy', 'database-url': url, 'allow-destructive': 'true' });
    expect(allowed.exitCode).toBe(0);
    expect(json(allowed, 'applied').map((m: { name: string }) => m.name)).toEqual(['20250103000000_cleanup']);
    expect(
      await query(database, "SELECT column_name FROM information_schema.columns WHERE table_name = 'Note' ORDER BY 1"),
    ).toEqual([{ column_name: 'id' }, { column_name: 'title' }]);
  });

  test('modified applied migration and one missing locally: distinct outputs, deploy refuses', async () => {
    const dir = project();
    const database = await createDatabase();
    const url = urlOf(database);
    expect((await run(dir, { mode: 'deploy', 'database-url': url })).exitCode).toBe(0);
    await query(
      database,
      "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ('x', 'abc', '20240101000000_elsewhere', now(), now(), 1)",
    );
    const file = join(dir, 'prisma/migrations/20250102000000_add_author/migration.sql');
    writeFileSync(file, `${readFileSync(file, 'utf8')}CREATE INDEX "Note_author_idx" ON "Note"("author");\n`);
    addMigration(dir, '20250104000000_add_index', 'CREATE INDEX "Note_title_idx" ON "Note"("title");\n');

    const status = await run(dir, { mode: 'status', 'database-url': url });
    expect(status.exitCode).toBe(0);
    expect(status.outputs.status).toBe('modified');
    expect(json(status, 'modified')).toEqual(['20250102000000_add_author']);
    expect(json(status, 'missing')).toEqual(['20240101000000_elsewhere']);
    expect(json(status, 'pending')).toEqual(['20250104000000_add_index']);
    expect(status.summary).toContain('Modified after being applied');
    expect(status.summary).toContain('Applied but missing locally');

    const deploy = await run(dir, { mode: 'deploy', 'database-url': url });
    expect([deploy.exitCode, deploy.outputs.status]).toEqual([1, 'modified']);
    expect(failure(deploy)).toContain('modified migration: 20250102000000_add_author was changed after it was applied');
    expect((await appliedRows(database)).length).toBe(3);
  });

  test('a migration failing half-way: logs and resolve commands, refused until resolved, then recovered', async () => {
    const dir = project();
    const database = await createDatabase();
    const url = urlOf(database);
    const broken = '20250105000000_broken';
    addMigration(dir, broken, 'CREATE TABLE "Half" ("id" INT);\nINSERT INTO "Nowhere" VALUES (1);\n');

    const deploy = await run(dir, { mode: 'deploy', 'database-url': url });
    expect(deploy.exitCode).toBe(1);
    expect(deploy.outputs.status).toBe('failed');
    expect(deploy.outputs.failed).toBe(broken);
    expect(json(deploy, 'applied').map((m: { name: string }) => m.name)).toEqual([
      '20250101000000_init',
      '20250102000000_add_author',
    ]);
    expect(deploy.log).toContain(`npx prisma migrate resolve --rolled-back "${broken}" --schema prisma/schema.prisma`);
    expect(deploy.log).toContain(`npx prisma migrate resolve --applied "${broken}"`);
    expect(deploy.log).toMatch(/Nowhere/);
    expect(deploy.summary).toContain('Failed migrations');
    const rows = await appliedRows(database);
    expect(rows.find((r) => r.migration_name === broken)).toMatchObject({ finished_at: null, rolled_back_at: null });

    const blocked = await run(dir, { mode: 'deploy', 'database-url': url });
    expect([blocked.exitCode, blocked.outputs.failed]).toEqual([1, broken]);
    expect(failure(blocked)).toContain(`failed migration: ${broken} is recorded as failed`);
    expect(blocked.log).not.toContain('migrate deploy --schema');

    // Undo its partial change (if any survived), mark it rolled back, fix it, deploy.
    await query(database, 'DROP TABLE IF EXISTS "Half"');
    const resolved = await run(dir, {
      mode: 'resolve',
      migration: broken,
      'resolve-as': 'rolled-back',
      'database-url': url,
    });
    expect([resolved.exitCode, resolved.outputs.status, resolved.outputs.failed]).toEqual([0, 'resolved', '']);
    expect(json(resolved, 'pending')).toEqual([broken]);
    addMigration(dir, broken, 'CREATE TABLE "Half" ("id" INT);\n');
    const fixed = await run(dir, { mode: 'deploy', 'database-url': url });
    expect([fixed.exitCode, fixed.outputs.status]).toEqual([0, 'applied']);
    expect(json(fixed, 'applied').map((m: { name: string }) => m.name)).toEqual([broken]);
  });

  test('two concurrent deploys contend for the lock: one applies, the other then finds nothing pending', async () => {
    const dir = project({ '20250106000000_more': 'CREATE TABLE "More" ("id" INT);\n' });
    const database = await createDatabase();
    const url = urlOf(database);
    // Hold Prisma's advisory lock until both runs are inside `prisma migrate deploy`.
    const holder = new pg.Client({ connectionString: ADMIN_URL.replace(/\/postgres$/, `/${database}`) });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock(72707369)');
    let started = 0;
    let release!: () => void;
    const bothStarted = new Promise<void>((resolve) => {
      release = resolve;
    });
    const onLine = (line: string) => {
      if (line.includes('migrate deploy --schema') && ++started === 2) release();
    };
    const runs = [1, 2].map(() =>
      runAction('prisma-migrate', {
        cwd: dir,
        inputs: { mode: 'deploy', 'database-url': url, 'lock-timeout': '2m' },
        secrets: SECRETS,
        onLine,
      }),
    );
    await bothStarted;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await holder.query('SELECT pg_advisory_unlock(72707369)');
    await holder.end();
    const results = await Promise.all(runs);

    for (const result of results) expect(result.exitCode).toBe(0);
    const applied = results.map((r) => json(r, 'applied').map((m: { name: string }) => m.name));
    const all = ['20250101000000_init', '20250102000000_add_author', '20250106000000_more'];
    expect(applied.filter((names) => names.length).length).toBe(1);
    expect(applied.flat()).toEqual(all);
    expect(results.map((r) => r.outputs.status).sort()).toEqual(['applied', 'up-to-date']);
    const loser = results.find((r) => r.outputs.status === 'up-to-date')!;
    expect(loser.log).toContain('another deployment applied the pending migrations first');
    expect((await appliedRows(database)).map((r) => r.migration_name)).toEqual(all);
  });

  test('database URL from Secrets Manager (real SDK client against a local JSON 1.1 endpoint)', async () => {
    const dir = project();
    const database = await createDatabase();
    const requests: { target: string; body: { SecretId: string } }[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        requests.push({ target: String(req.headers['x-amz-target']), body: JSON.parse(body) });
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end(
          JSON.stringify({
            ARN: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:db',
            Name: 'db',
            SecretString: JSON.stringify({ url: urlOf(database), note: 'app database' }),
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await run(
        dir,
        { mode: 'status', 'database-secret-id': 'prod/db', 'database-secret-key': 'url' },
        {
          env: {
            AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
            AWS_REGION: 'eu-west-1',
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
          },
        },
      );
      expect(result.exitCode).toBe(0);
      expect(result.outputs.status).toBe('fresh');
      expect(requests).toEqual([{ target: 'secretsmanager.GetSecretValue', body: { SecretId: 'prod/db' } }]);
      expect(result.log).toContain(`database: postgresql://${ROLE}:***@127.0.0.1:5432/`);
    } finally {
      server.close();
    }
  });
});
