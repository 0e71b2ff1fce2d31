import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeClock } from '../../../shared/clock.js';
import { ConfigurationError } from '../../../shared/errors.js';
import { forgetSecrets, redact } from '../../../shared/secrets.js';
import { explainConnectionError, pgConnectionString } from '../src/database.js';
import { getInputs } from '../src/inputs.js';
import { urlVariable } from '../src/main.js';
import { checksum, compare, type LocalMigration, type MigrationRow, statusOf } from '../src/migrations.js';
import { appliedNames, migrateDeploy, PrismaError, prismaErrorCode } from '../src/prisma.js';
import { urlFromSecretString } from '../src/source.js';

const FIXTURE = new URL('./fixtures/prisma-project/', import.meta.url).pathname;

const local = (name: string, sql = `-- ${name}`): LocalMigration => ({
  name,
  file: `/m/${name}/migration.sql`,
  sql,
  checksum: checksum(sql),
});
const row = (name: string, sql: string, extra: Partial<MigrationRow> = {}): MigrationRow => ({
  migration_name: name,
  checksum: checksum(sql),
  started_at: new Date(0),
  finished_at: new Date(1),
  rolled_back_at: null,
  logs: null,
  applied_steps_count: 1,
  ...extra,
});

describe('pre-flight comparison', () => {
  const a = local('001_a');
  const b = local('002_b');
  const c = local('003_c');

  test('no table: fresh, everything pending', () => {
    const p = compare([a, b], undefined);
    expect([p.fresh, p.pending.map((m) => m.name), statusOf(p)]).toEqual([true, ['001_a', '002_b'], 'fresh']);
  });

  test('pending, failed (with logs), modified, missing: each distinct', () => {
    const p = compare(
      [a, local('002_b', 'changed'), c],
      [
        row('000_gone', 'x'),
        row('001_a', a.sql),
        row('002_b', b.sql),
        row('003_c', c.sql, { finished_at: null, logs: 'boom' }),
      ],
    );
    expect(p.pending).toEqual([]);
    expect(p.failed).toEqual([{ name: '003_c', startedAt: new Date(0), logs: 'boom' }]);
    expect(p.modified.map((m) => m.name)).toEqual(['002_b']);
    expect(p.missing).toEqual(['000_gone']);
    expect(statusOf(p)).toBe('failed');
  });

  test('a rolled-back attempt is pending again; a later success counts as applied', () => {
    const rolledBack = row('002_b', b.sql, { finished_at: null, rolled_back_at: new Date(2) });
    expect(compare([a, b], [row('001_a', a.sql), rolledBack]).pending.map((m) => m.name)).toEqual(['002_b']);
    const p = compare([a, b], [row('001_a', a.sql), rolledBack, row('002_b', b.sql)]);
    expect([p.pending, p.failed, statusOf(p)]).toEqual([[], [], 'up-to-date']);
  });
});

describe('Prisma CLI output', () => {
  test('error code and applied names', () => {
    expect(prismaErrorCode('Error: P3009\n\nmigrate found failed migrations')).toBe('P3009');
    expect(prismaErrorCode('Error: external connector error')).toBeUndefined();
    const output = [
      'The following migration(s) have been applied:',
      '',
      'migrations/',
      '  └─ 20250101000000_init/',
      '    └─ migration.sql',
      '  └─ 20250102000000_add_author/',
      '    └─ migration.sql',
    ].join('\n');
    expect(appliedNames(output)).toEqual(['20250101000000_init', '20250102000000_add_author']);
    expect(appliedNames('No pending migrations to apply.')).toEqual([]);
  });

  test('the datasource URL variable comes from the schema', () => {
    expect(urlVariable('datasource db {\n provider = "postgresql"\n url = env("PG_URL")\n}')).toBe('PG_URL');
    expect(urlVariable('datasource db {\n provider = "postgresql"\n}')).toBe('DATABASE_URL');
  });

  test('P1002 (lock held) is retried until the lock-timeout; other errors are not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-prisma-'));
    const counter = join(dir, 'count');
    writeFileSync(counter, '0');
    const cli = join(dir, 'prisma');
    // Fails with P1002 twice, then applies.
    writeFileSync(
      cli,
      `#!/usr/bin/env node
const fs = require('fs'); const n = Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8')) + 1;
fs.writeFileSync(${JSON.stringify(counter)}, String(n));
if (process.argv.includes('--fail')) { console.error('Error: P3018\\nA migration failed'); process.exit(1); }
if (n <= 2) { console.error('Error: P1002\\nTimed out trying to acquire a postgres advisory lock'); process.exit(1); }
console.log('The following migration(s) have been applied:\\n\\nmigrations/\\n  └─ 001_a/\\n    └─ migration.sql');
`,
    );
    chmodSync(cli, 0o755);
    const run = { program: cli, args: [], cwd: dir, schema: join(dir, 'schema.prisma'), env: {} };
    const clock = fakeClock();
    const waits: number[] = [];
    const result = await migrateDeploy(run, { lockTimeoutMs: 60_000, clock, onLockWait: (_, ms) => waits.push(ms) });
    expect(result.attempts).toBe(3);
    expect(appliedNames(result.output)).toEqual(['001_a']);
    expect(waits).toHaveLength(2);
    expect(clock.slept).toEqual(waits);

    writeFileSync(counter, '0');
    const short = fakeClock();
    await expect(migrateDeploy(run, { lockTimeoutMs: 500, clock: short })).rejects.toMatchObject({ code: 'P1002' });
    expect(readFileSync(counter, 'utf8')).toBe('1');

    const failing = { ...run, args: ['--fail'] };
    const error = await migrateDeploy(failing, { lockTimeoutMs: 60_000, clock: fakeClock() }).catch((e) => e);
    expect(error).toBeInstanceOf(PrismaError);
    expect(error.code).toBe('P3018');
  });
});

describe('database URL', () => {
  afterEach(() => forgetSecrets());

  test('from a JSON key, an RDS-style secret or the whole string; every value masked', () => {
    const url = 'postgresql://app:pa55-word@db.internal:5432/app';
    expect(urlFromSecretString(JSON.stringify({ url }), 's', 'url').toString()).toBe(url);
    expect(redact(url)).toBe('***');
    const rds = { username: 'app', password: 'rds-S3cret', host: 'db.internal', port: 5433, dbname: 'shop' };
    expect(urlFromSecretString(JSON.stringify(rds), 's').toString()).toBe(
      'postgresql://app:rds-S3cret@db.internal:5433/shop',
    );
    expect(redact('pw rds-S3cret')).toBe('pw ***');
    expect(urlFromSecretString(`${url}\n`, 's').hostname).toBe('db.internal');
    expect(() => urlFromSecretString(JSON.stringify({ other: 1 }), 'db-secret', 'url')).toThrow(
      /database-secret-key: secret db-secret has no string key "url"/,
    );
  });

  test('pg gets the URL without Prisma-only parameters', () => {
    expect(pgConnectionString(new URL('postgresql://u:p@h:5432/d?schema=app&connection_limit=1&sslmode=require'))).toBe(
      'postgresql://u:p@h:5432/d?sslmode=require',
    );
  });

  test.each([
    [{ code: 'ECONNREFUSED' }, /cannot reach the database server at h:1\/d as u: ECONNREFUSED/],
    [{ code: '28P01' }, /authentication failed connecting to h:1\/d as u: wrong user or password/],
    [{ code: '3D000' }, /database does not exist at h:1\/d/],
  ])('connection error %o', (error, message) => {
    expect(
      explainConnectionError(Object.assign(new Error('x'), error), new URL('postgresql://u:p@h:1/d')).message,
    ).toMatch(message);
  });
});

describe('inputs', () => {
  const base = { 'database-url': 'postgresql://u:Plant3d@127.0.0.1:5432/d', 'working-directory': FIXTURE };
  const read = (values: Record<string, string>) => (name: string) => values[name] ?? '';
  const problems = (values: Record<string, string>): string => {
    try {
      getInputs(read(values));
      return '';
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      return (error as Error).message;
    }
  };
  afterEach(() => forgetSecrets());

  test('defaults: status mode, schema and migrations beside it', () => {
    const inputs = getInputs(read(base));
    expect(inputs.mode).toBe('status');
    expect(inputs.migrationsDir).toBe(join(FIXTURE, 'prisma/migrations'));
    expect(inputs.lockTimeout).toBe(300_000);
  });

  test.each([
    [{ mode: 'apply' }, /^mode: "apply" is not supported; expected one of status, plan, deploy, resolve/],
    [{ 'database-url': 'mysql://u:Plant3d@h/d' }, /database-url: protocol mysql: is not supported/],
    [{ 'database-url': 'postgresql://u:Plant3d@h:port/d' }, /database-url: is not a valid URL \(value hidden\)/],
    [{ 'database-url': 'postgresql://u:Plant3d@h:5432' }, /database-url: names no database/],
    [{ 'database-url': '' }, /database-url: is not given/],
    [{ 'database-secret-id': 'db' }, /database-url: is given together with database-secret-id/],
    [{ schema: 'nope/schema.prisma' }, /schema: nope\/schema.prisma does not exist/],
    [{ 'migrations-dir': 'nowhere' }, /migrations-dir: nowhere does not exist/],
    [{ mode: 'resolve', 'resolve-as': 'applied' }, /migration: is required in resolve mode/],
    [{ mode: 'resolve', migration: '001_a' }, /resolve-as: is required in resolve mode/],
    [{ migration: '../etc' }, /migration: "..\/etc" is not valid/],
  ])('%o', (values, message) => {
    const text = problems({ ...base, ...values });
    expect(text).toMatch(message);
    expect(text).not.toContain('Plant3d');
  });
});
