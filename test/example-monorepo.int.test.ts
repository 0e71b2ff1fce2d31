/**
 * The example monorepo, for real, in a temp copy: pnpm install (frozen lockfile), turbo lint/test/build,
 * Prisma migrations applied to a fresh PostgreSQL database with the real Prisma CLI (offline: wasm schema
 * engine over the pg driver adapter), the backend and frontend images built with the local base image,
 * run with --network host, and their /health, /version and /notes answering.
 *
 * Needs: the Docker engine and the local registry's base image (`bash local/infra/infra.sh up`) and
 * PostgreSQL. A missing service fails this test; nothing is skipped.
 *
 * Environment (all optional):
 *   EXAMPLE_PG_ADMIN_URL  a superuser URL to create/drop the throwaway database
 *                         (default postgresql://postgres:postgres@127.0.0.1:5432/postgres)
 *   EXAMPLE_BASE_IMAGE    the base image for the Dockerfiles (default localhost:5000/deploy-actions/node:24)
 *   PNPM_BIN_DIR          a directory holding a `pnpm` executable to use instead of the pinned one
 */

import { type ExecFileSyncOptions, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { NODE24, ROOT } from './harness.js';

const EXAMPLE = join(ROOT, 'examples/monorepo');
const PNPM_VERSION = JSON.parse(readFileSync(join(EXAMPLE, 'package.json'), 'utf8')).packageManager.replace(
  /^pnpm@/,
  '',
);
const ADMIN_URL = process.env.EXAMPLE_PG_ADMIN_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/postgres';
const BASE_IMAGE = process.env.EXAMPLE_BASE_IMAGE ?? 'localhost:5000/deploy-actions/node:24';
const RUN_ID = `${process.pid}-${randomBytes(3).toString('hex')}`;
const GIT_SHA = randomBytes(20).toString('hex');
const DATABASE = `example_monorepo_${RUN_ID.replace(/-/g, '_')}`;
const STEP_TIMEOUT = 300_000;

/**
 * pnpm at the version the example pins (packageManager): the suite pins the same version as a dev
 * dependency, so `npm ci` puts it in node_modules/.bin. That directory goes on PATH because turbo
 * looks the package manager up there.
 */
function pnpmBinDir(): string {
  return process.env.PNPM_BIN_DIR ?? join(ROOT, 'node_modules/.bin');
}

let workDir = '';
let env: NodeJS.ProcessEnv = {};
const containers: string[] = [];
const images: string[] = [];
let databaseCreated = false;

function run(command: string, args: string[], options: ExecFileSyncOptions = {}): string {
  try {
    return execFileSync(command, args, {
      cwd: workDir,
      env,
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: STEP_TIMEOUT,
      maxBuffer: 64 * 1024 * 1024,
      ...options,
    }) as string;
  } catch (error) {
    const failure = error as { status?: number; stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')} exited ${failure.status}\n--- stdout\n${failure.stdout}\n--- stderr\n${failure.stderr}`,
    );
  }
}

/** Runs a command that is expected to fail; returns its exit code and output. */
function runFailing(command: string, args: string[]): { status: number | null; output: string } {
  try {
    const output = run(command, args);
    return { status: 0, output };
  } catch (error) {
    const message = (error as Error).message;
    return { status: Number(/exited (\d+)/.exec(message)?.[1] ?? Number.NaN), output: message };
  }
}

const pnpm = (...args: string[]) => run('pnpm', args);
const docker = (...args: string[]) => run('docker', args, { cwd: ROOT });

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>, url = ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Polls url until it answers 200 (containers take a moment to start); fails with the container's logs. */
async function waitForOk(url: string, container: string, deadlineMs = 30_000): Promise<Response> {
  const deadline = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return res;
      last = `HTTP ${res.status}: ${await res.text()}`;
    } catch (error) {
      last = String(error);
    }
    const state = docker('inspect', '--format', '{{.State.Status}}', container).trim();
    if (state !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer 200 (${last}); container logs:\n${docker('logs', container)}`);
}

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'example-monorepo-'));
  const skip = new Set(['node_modules', 'dist', '.turbo', 'generated']);
  cpSync(EXAMPLE, workDir, {
    recursive: true,
    filter: (source) =>
      !relative(EXAMPLE, source)
        .split(sep)
        .some((part) => skip.has(part)),
  });
  env = {
    ...process.env,
    // Node 24 (the example's .nvmrc) first, then the pinned pnpm.
    PATH: [dirname(NODE24), pnpmBinDir(), process.env.PATH ?? ''].join(delimiter),
    CI: 'true',
    TURBO_TELEMETRY_DISABLED: '1',
    TURBO_NO_UPDATE_NOTIFIER: '1',
    DATABASE_URL: undefined,
    NODE_OPTIONS: undefined,
  };
}, STEP_TIMEOUT);

afterAll(async () => {
  for (const container of containers) runFailing('docker', ['rm', '-f', container]);
  for (const image of images) runFailing('docker', ['rmi', '-f', image]);
  if (databaseCreated) {
    await admin((client) => client.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`));
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, STEP_TIMEOUT);

describe('examples/monorepo, for real', () => {
  test('the services it needs are up: Docker engine, base image, PostgreSQL', async () => {
    expect(run('docker', ['version', '--format', '{{.Server.Version}}']).trim()).not.toBe('');
    docker('image', 'inspect', '--format', '{{.Id}}', BASE_IMAGE);
    const { rows } = await admin((client) => client.query<{ version: string }>('SELECT version()'));
    expect(rows[0]?.version).toMatch(/^PostgreSQL/);
  });

  test(
    'pnpm install --frozen-lockfile, then turbo lint, test and build',
    () => {
      expect(pnpm('--version').trim()).toBe(PNPM_VERSION);
      pnpm('install', '--frozen-lockfile', '--prefer-offline');
      // pnpm 10 runs no dependency build scripts: Prisma's engine download (postinstall) never runs,
      // so no Rust engine exists anywhere and everything below runs on the wasm engines.
      const engines = join(workDir, 'node_modules/.pnpm/@prisma+engines@6.19.3/node_modules/@prisma/engines');
      expect(readdirSync(engines).filter((name) => /engine/.test(name))).toEqual([]);

      const lint = pnpm('lint');
      expect(lint).toMatch(/Tasks:\s+4 successful, 4 total/);

      const tests = pnpm('test');
      expect(tests).toMatch(/Tasks:\s+4 successful, 4 total/);
      for (const app of ['@example/database', '@example/backend', '@example/frontend']) {
        // node --test closes with `# pass N` (TAP, Node 20) or `ℹ pass N` (spec, Node 24).
        expect(tests).toMatch(new RegExp(`${app}:test: (?:#|ℹ) pass [1-9]`));
        expect(tests).toMatch(new RegExp(`${app}:test: (?:#|ℹ) fail 0`));
      }

      expect(pnpm('build')).toMatch(/Tasks:\s+3 successful, 3 total/);
      for (const file of [
        'packages/database/generated/client/index.js',
        'apps/backend/dist/server.cjs',
        'apps/backend/dist/query_compiler_bg.wasm',
        'apps/backend/dist/schema.prisma',
        'apps/frontend/dist/server.js',
        'apps/frontend/dist/public/index.html',
      ]) {
        expect([file, existsSync(join(workDir, file))]).toEqual([file, true]);
      }
    },
    STEP_TIMEOUT,
  );

  test(
    'prisma migrate status/deploy/status with the real Prisma CLI on a fresh database',
    async () => {
      await admin((client) => client.query(`CREATE DATABASE "${DATABASE}"`));
      databaseCreated = true;
      env.DATABASE_URL = withDatabase(ADMIN_URL, DATABASE);

      const before = runFailing('pnpm', ['--filter', '@example/database', 'migrate:status']);
      expect(before.status).not.toBe(0);
      expect(before.output).toContain('Following migrations have not yet been applied:');
      expect(before.output).toContain('20250601120000_create_notes');

      const deploy = pnpm('--filter', '@example/database', 'migrate:deploy');
      expect(deploy).toContain('2 migrations found in prisma/migrations');
      expect(deploy).toContain('All migrations have been successfully applied.');

      // The plain CLI works too: prisma.config.ts sets the offline engine environment itself.
      const status = pnpm('--filter', '@example/database', 'exec', 'prisma', 'migrate', 'status');
      expect(status).toContain('Database schema is up to date!');

      const { rows } = await admin(
        (client) =>
          client.query<{ migration_name: string; finished: boolean }>(
            'SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY migration_name',
          ),
        env.DATABASE_URL,
      );
      expect(rows).toEqual([
        { migration_name: '20250601120000_create_notes', finished: true },
        { migration_name: '20250615090000_add_note_author', finished: true },
      ]);
    },
    STEP_TIMEOUT,
  );

  test(
    'the backend image (local base image, GIT_SHA baked in) serves /health, /version and /notes from PostgreSQL',
    async () => {
      expect(env.DATABASE_URL).toBeDefined();
      const image = `localhost:5000/example/backend:test-${RUN_ID}`;
      images.push(image);
      docker(
        'build',
        '--build-arg',
        `BASE_IMAGE=${BASE_IMAGE}`,
        '--build-arg',
        `GIT_SHA=${GIT_SHA}`,
        '--build-arg',
        'APP_VERSION=1.2.3',
        '-t',
        image,
        join(workDir, 'apps/backend'),
      );
      const port = await freePort();
      const container = `example-backend-${RUN_ID}`;
      containers.push(container);
      docker(
        'run',
        '-d',
        '--name',
        container,
        '--network',
        'host',
        '-e',
        `PORT=${port}`,
        '-e',
        `DATABASE_URL=${env.DATABASE_URL}`,
        image,
      );
      const base = `http://127.0.0.1:${port}`;

      const health = await waitForOk(`${base}/health`, container);
      expect(await health.json()).toEqual({ status: 'ok', database: 'ok' });
      const version = await fetch(`${base}/version`);
      expect(version.status).toBe(200);
      expect(await version.json()).toEqual({ version: '1.2.3', commit: GIT_SHA });

      const created = await fetch(`${base}/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: `note ${RUN_ID}`, author: 'jest' }),
      });
      expect(created.status).toBe(201);
      const { note } = (await created.json()) as { note: { id: number; title: string } };
      const stored = await admin(
        (client) =>
          client.query<{ title: string; author: string }>('SELECT title, author FROM notes WHERE id = $1', [note.id]),
        env.DATABASE_URL,
      );
      expect(stored.rows).toEqual([{ title: `note ${RUN_ID}`, author: 'jest' }]);
      const listed = (await (await fetch(`${base}/notes`)).json()) as { notes: { title: string }[] };
      expect(listed.notes.map((n) => n.title)).toContain(`note ${RUN_ID}`);
    },
    STEP_TIMEOUT,
  );

  test(
    'the frontend image serves the built site and /health',
    async () => {
      const image = `localhost:5000/example/frontend:test-${RUN_ID}`;
      images.push(image);
      docker(
        'build',
        '--build-arg',
        `BASE_IMAGE=${BASE_IMAGE}`,
        '--build-arg',
        `GIT_SHA=${GIT_SHA}`,
        '-t',
        image,
        join(workDir, 'apps/frontend'),
      );
      const port = await freePort();
      const container = `example-frontend-${RUN_ID}`;
      containers.push(container);
      docker('run', '-d', '--name', container, '--network', 'host', '-e', `PORT=${port}`, image);
      const base = `http://127.0.0.1:${port}`;

      expect(await (await waitForOk(`${base}/health`, container)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${base}/version`)).json()).toEqual({ version: 'dev', commit: GIT_SHA });
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Example notes</title>');
    },
    STEP_TIMEOUT,
  );
});
