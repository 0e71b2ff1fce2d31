// prisma-migrate: the action's overhead over `prisma migrate deploy` by hand for the same pending
// migrations (fresh databases, the fixture project's real Prisma 6.19 CLI), and the pre-flight time
// of a status run over 200 applied migrations. Needs PostgreSQL (bash local/infra/infra.sh up) and
// the fixture's dependencies (installed here from its lockfile when missing).
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const ADMIN = 'postgresql://postgres:postgres@127.0.0.1:5432/postgres';

export default async function (ctx) {
  const action = join(ctx.root, 'actions/prisma-migrate');
  const fixture = join(action, '__tests__/fixtures/prisma-project');
  if (!existsSync(join(fixture, 'node_modules/.bin/prisma'))) {
    execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--prefix', fixture], {
      stdio: 'inherit',
    });
  }
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  const created = [];
  const database = async () => {
    const name = `pm_bench_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    created.push(name);
    return ADMIN.replace(/\/postgres$/, `/${name}`);
  };
  const project = (extra = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'prisma-migrate-bench-'));
    cpSync(join(fixture, 'prisma'), join(dir, 'prisma'), { recursive: true });
    cpSync(join(fixture, 'prisma.config.ts'), join(dir, 'prisma.config.ts'));
    symlinkSync(join(fixture, 'node_modules'), join(dir, 'node_modules'));
    for (const [name, sql] of Object.entries(extra)) {
      mkdirSync(join(dir, 'prisma/migrations', name), { recursive: true });
      writeFileSync(join(dir, 'prisma/migrations', name, 'migration.sql'), sql);
    }
    return dir;
  };
  try {
    const dir = project({
      '20250103000000_tags': 'CREATE TABLE "Tag" ("id" SERIAL PRIMARY KEY, "name" TEXT NOT NULL);\n',
    });
    const byHand = await ctx.median(async () => {
      const url = await database();
      await new Promise((resolve, reject) =>
        spawn(join(dir, 'node_modules/.bin/prisma'), ['migrate', 'deploy'], {
          cwd: dir,
          env: { ...process.env, DATABASE_URL: url },
          stdio: 'ignore',
        }).on('close', (code) => (code === 0 ? resolve() : reject(new Error(`prisma exited ${code}`)))),
      );
    }, 3);
    const withAction = await ctx.median(async () => {
      const url = await database();
      const result = await ctx.runAction(action, { mode: 'deploy', 'database-url': url, 'working-directory': dir });
      if (result.exitCode !== 0) throw new Error(`action failed:\n${result.log.slice(-2000)}`);
    }, 3);

    // 200 applied migrations, the table filled as Prisma would have.
    const names = Array.from({ length: 200 }, (_, i) => `2025${String(i).padStart(10, '0')}_m${i}`);
    const many = project(Object.fromEntries(names.map((n, i) => [n, `CREATE TABLE "T${i}" ("id" INT);\n`])));
    const url = await database();
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    await db.query(`CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY, checksum VARCHAR(64) NOT NULL,
      finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ,
      started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0)`);
    for (const [i, name] of ['20250101000000_init', '20250102000000_add_author', ...names].entries()) {
      const sql = i < 2 ? null : `CREATE TABLE "T${i - 2}" ("id" INT);\n`;
      const checksum = sql ? createHash('sha256').update(sql).digest('hex') : 'x';
      await db.query(
        'INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), 1)',
        [String(i), checksum, name],
      );
    }
    await db.end();
    let preflightMs = 0;
    const status = await ctx.median(async () => {
      const result = await ctx.runAction(action, { mode: 'status', 'database-url': url, 'working-directory': many });
      if (result.exitCode !== 0) throw new Error(`status failed:\n${result.log.slice(-2000)}`);
      const match = /Pre-flight[^\n]*: (\d+(?:\.\d+)?)(ms|s)\n/.exec(result.log);
      if (match) preflightMs = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
    }, 5);
    return [
      {
        name: 'prisma-migrate: prisma migrate deploy by hand (3 migrations, fresh db)',
        value: Math.round(byHand),
        unit: 'ms',
      },
      {
        name: 'prisma-migrate: action deploy (same, with pre-flight, lint, report)',
        value: Math.round(withAction),
        unit: 'ms',
      },
      {
        name: 'prisma-migrate: action overhead vs by hand',
        value: Number((withAction / byHand).toFixed(2)),
        unit: 'x',
      },
      {
        name: 'prisma-migrate: pre-flight, 200 migrations (read + checksums + compare)',
        value: Math.round(preflightMs),
        unit: 'ms',
        note: 'last run',
      },
      { name: 'prisma-migrate: status run, 200 migrations (whole step)', value: Math.round(status), unit: 'ms' },
    ];
  } finally {
    for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
