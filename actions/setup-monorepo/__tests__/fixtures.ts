/**
 * Test fixtures for setup-monorepo: a tool mirror (nodejs.org/dist and npm registry layout) serving
 * real archives built from what is installed here, and a git copy of examples/monorepo with history.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE24, ROOT } from '../../../test/harness.js';

export const NODE_VERSION = '24.9.0';
export const PNPM_VERSION = '10.34.8';

/** Builds (once per machine, reused across runs) the mirror tree: node/ and npm/. */
export function buildMirrorTree(): string {
  const dir = join(tmpdir(), `setup-monorepo-mirror-${NODE_VERSION}-${PNPM_VERSION}`);
  if (existsSync(join(dir, 'ready'))) return dir;
  const work = mkdtempSync(join(tmpdir(), 'setup-monorepo-mirror-build-'));
  const name = `node-v${NODE_VERSION}-linux-x64`;
  mkdirSync(join(work, 'stage', name, 'bin'), { recursive: true });
  cpSync(NODE24, join(work, 'stage', name, 'bin/node'));
  mkdirSync(join(work, 'tree/node', `v${NODE_VERSION}`), { recursive: true });
  execFileSync('tar', [
    '-I',
    'gzip -1',
    '-cf',
    join(work, 'tree/node', `v${NODE_VERSION}`, `${name}.tar.gz`),
    '-C',
    join(work, 'stage'),
    name,
  ]);
  writeFileSync(
    join(work, 'tree/node/index.json'),
    JSON.stringify([{ version: `v${NODE_VERSION}` }, { version: 'v22.20.0' }]),
  );
  mkdirSync(join(work, 'tree/npm/pnpm/-'), { recursive: true });
  execFileSync('npm', ['pack', `pnpm@${PNPM_VERSION}`, '--pack-destination', join(work, 'tree/npm/pnpm/-')], {
    stdio: 'ignore',
  });
  writeFileSync(join(work, 'tree/ready'), '');
  try {
    renameSync(join(work, 'tree'), dir);
  } catch {
    // another test process built it first
  }
  return dir;
}

export interface Mirror {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** Serves the mirror tree over HTTP, recording each path asked for. */
export async function startMirror(dir: string): Promise<Mirror> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = join(dir, path);
    if (path.includes('..') || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const SKIP = new Set(['node_modules', '.turbo', 'dist', 'generated']);

export const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  }).trim();

export interface Repo {
  dir: string;
  commits: { initial: string; database: string; frontend: string; feature: string };
}

/**
 * examples/monorepo copied into a git repository with history:
 * initial -> database (packages/database changed) -> frontend (apps/frontend changed) on main,
 * and feature (apps/backend changed) branched from database.
 */
export function makeRepo(parent: string): Repo {
  const dir = join(parent, 'origin');
  cpSync(join(ROOT, 'examples/monorepo'), dir, { recursive: true, filter: (src) => !SKIP.has(src.split('/').pop()!) });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'initial');
  const initial = git(dir, 'rev-parse', 'HEAD');
  const touch = (path: string, text: string) => {
    writeFileSync(join(dir, path), text);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', `change ${path}`);
    return git(dir, 'rev-parse', 'HEAD');
  };
  const database = touch('packages/database/CHANGE.md', 'a change in the database package\n');
  const frontend = touch('apps/frontend/CHANGE.md', 'a change in the frontend\n');
  git(dir, 'checkout', '-q', '-b', 'feature', database);
  const feature = touch('apps/backend/CHANGE.md', 'a change in the backend\n');
  git(dir, 'checkout', '-q', 'main');
  return { dir, commits: { initial, database, frontend, feature } };
}

/** A shallow clone (depth 1) of a branch, as actions/checkout makes by default. */
export function shallowClone(repo: Repo, branch: string, into: string): string {
  execFileSync('git', ['clone', '-q', '--depth', '1', '--branch', branch, `file://${repo.dir}`, into]);
  return into;
}

export const listDir = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);
