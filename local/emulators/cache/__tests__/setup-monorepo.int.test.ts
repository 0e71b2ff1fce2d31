/**
 * setup-monorepo's real cache path over cache service v2, as on github.com's hosted runners: the
 * bundle under the runner protocol (test/harness.ts), @actions/cache inside it speaking Twirp and
 * blob transfers to this emulator; the post step saves, the next job restores on the exact key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildMirrorTree,
  git,
  type Mirror,
  makeRepo,
  type Repo,
  startMirror,
} from '../../../../actions/setup-monorepo/__tests__/fixtures.js';
import { runAction } from '../../../../test/harness.js';
import { type CacheEmulator, runtimeToken, startCacheEmulator } from '../server.js';

let root: string;
let mirror: Mirror;
let repo: Repo;
let emulator: CacheEmulator;
let counter = 0;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cache-v2-setup-'));
  mirror = await startMirror(buildMirrorTree());
  emulator = await startCacheEmulator();
  repo = makeRepo(root);
}, 120_000);
afterAll(async () => {
  await mirror?.close();
  await emulator?.close();
  rmSync(root, { recursive: true, force: true });
});

function job(env: Record<string, string | undefined> = {}, prefix = 'v2') {
  rmSync(join(root, 'machine'), { recursive: true, force: true }); // nothing survives from the last job
  const cwd = join(root, `ws-${++counter}`);
  git(root, 'clone', '-q', '--branch', 'main', `file://${repo.dir}`, cwd);
  return runAction('setup-monorepo', {
    cwd,
    post: true,
    timeoutMs: 150_000,
    inputs: {
      'node-mirror': `${mirror.url}node/`,
      'pnpm-mirror': `${mirror.url}npm/`,
      'cache-backend': 'github',
      'cache-prefix': prefix,
      affected: false,
      'job-status': 'success',
    },
    env: {
      // A fresh machine per job (see below), with the same paths (they are part of the cache version).
      RUNNER_TOOL_CACHE: join(root, 'machine/tools'),
      XDG_DATA_HOME: join(root, 'machine/xdg-data'),
      XDG_CACHE_HOME: join(root, 'machine/xdg-cache'),
      GITHUB_SHA: git(cwd, 'rev-parse', 'HEAD'),
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      ...emulator.env({ token: runtimeToken({ ref: 'refs/heads/main' }) }),
      ACTIONS_CACHE_URL: undefined,
      ...env,
    },
  });
}

const expectOk = (r: Awaited<ReturnType<typeof job>>) => {
  if (r.exitCode !== 0 || (r.post && r.post.exitCode !== 0))
    throw new Error(`exit ${r.exitCode}:\n${r.log.slice(-4000)}`);
};
const warnings = (r: Awaited<ReturnType<typeof job>>) =>
  [...r.annotations, ...(r.post?.annotations ?? [])].filter((a) => a.level === 'warning' || a.level === 'error');

test('a cold job saves over v2 in its post step; the next job restores on the exact key; no v1 request', async () => {
  const cold = await job();
  expectOk(cold);
  expect(cold.outputs['cache-hit-pnpm-store']).toBe('false');
  expect(cold.post?.log).toMatch(/pnpm-store: saved v2-pnpm-store-/);
  expect(emulator.requests.create).toBeGreaterThanOrEqual(1);
  expect(emulator.requests.finalize).toBe(emulator.requests.create);
  const warm = await job();
  expectOk(warm);
  expect(warm.outputs['cache-hit-pnpm-store']).toBe('true');
  expect(emulator.requests['blob-get']).toBeGreaterThanOrEqual(1);
  expect(emulator.requests).toMatchObject({ query: 0, reserve: 0, upload: 0, commit: 0, download: 0 });
  expect(warnings(cold)).toEqual([]);
  expect(warnings(warm)).toEqual([]);
}, 400_000);

test('read-only cache mode: a job that misses sends no save from its post step and warns of nothing', async () => {
  const before = emulator.requests.create;
  const readOnly = await job({ ACTIONS_CACHE_MODE: 'read' }, 'read-only');
  expectOk(readOnly);
  expect(readOnly.outputs['cache-hit-pnpm-store']).toBe('false');
  expect(emulator.requests.lookup).toBeGreaterThan(0);
  expect(emulator.requests.create).toBe(before);
  expect(warnings(readOnly)).toEqual([]);
  expect(`${readOnly.log}\n${readOnly.post?.log ?? ''}`).not.toMatch(/save failed|Failed to save/i);
}, 300_000);
