/**
 * Cache service v2 through the unmodified @actions/cache (Twirp + Azure Blob transfers), with
 * GitHub's key, version and scope matching, and the read-only cache mode.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CacheEmulator, runtimeToken, startCacheEmulator } from '../server.js';

let emulator: CacheEmulator;
let root: string;
let out: string[] = [];
const saved = { ...process.env };
let write: typeof process.stdout.write;
const cwd = process.cwd();

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cache-v2-'));
  write = process.stdout.write.bind(process.stdout);
  // @actions/core writes its info lines and ::warning:: commands to stdout: keep them.
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
});
afterAll(() => {
  process.stdout.write = write;
  process.chdir(cwd);
  rmSync(root, { recursive: true, force: true });
});
beforeEach(async () => {
  emulator = await startCacheEmulator();
  out = [];
});
afterEach(async () => {
  process.env = { ...saved };
  await emulator.close();
});

/** Runs `fn` as a step of a job on `ref` would: v2 environment, that ref's runtime token. */
async function asJob<T>(
  ref: string,
  fn: (cache: typeof import('@actions/cache')) => Promise<T>,
  write = true,
): Promise<T> {
  Object.assign(process.env, emulator.env({ token: runtimeToken({ ref, write }) }), { RUNNER_TEMP: root });
  delete process.env.ACTIONS_CACHE_URL;
  delete process.env.GITHUB_SERVER_URL;
  return fn(await import('@actions/cache'));
}

function workdir(name: string, content?: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'deps'), { recursive: true });
  if (content !== undefined) writeFileSync(join(dir, 'deps/file.txt'), content);
  return dir;
}
const warnings = () => out.filter((l) => l.startsWith('::warning::'));

test('save and restore over v2: Twirp CreateCacheEntry, blob PUT, Finalize, GetCacheEntryDownloadURL, blob GET', async () => {
  const a = workdir('a', 'node_modules of job a');
  process.chdir(a);
  const id = await asJob('refs/heads/main', (c) => c.saveCache(['deps'], 'pnpm-linux-x64-abc'));
  expect(id).toBeGreaterThan(0);
  const b = workdir('b');
  process.chdir(b);
  const hit = await asJob('refs/heads/main', (c) => c.restoreCache(['deps'], 'pnpm-linux-x64-abc'));
  expect(hit).toBe('pnpm-linux-x64-abc');
  expect(readFileSync(join(b, 'deps/file.txt'), 'utf8')).toBe('node_modules of job a');
  expect(emulator.requests).toMatchObject({ create: 1, finalize: 1, lookup: 1, 'blob-get': 1, query: 0, reserve: 0 });
  expect(emulator.requests['blob-put']).toBeGreaterThanOrEqual(1);
  expect(warnings()).toEqual([]);
  expect(emulator.entries[0]).toMatchObject({ key: 'pnpm-linux-x64-abc', scope: 'refs/heads/main', committed: true });
});

test('keys as GitHub matches them: exact, then prefix (newest), restore keys in order, own branch before the default branch', async () => {
  process.chdir(workdir('save', 'v'));
  await asJob('refs/heads/main', (c) => c.saveCache(['deps'], 'deps-main-1'));
  await asJob('refs/heads/main', (c) => c.saveCache(['deps'], 'deps-main-2'));
  await asJob('refs/heads/feature', (c) => c.saveCache(['deps'], 'deps-feature-1'));
  process.chdir(workdir('restore'));
  const restore = (ref: string, key: string, restoreKeys: string[] = []) =>
    asJob(ref, (c) => c.restoreCache(['deps'], key, restoreKeys, { lookupOnly: true }));
  expect(await restore('refs/heads/main', 'deps-main-1')).toBe('deps-main-1'); // exact
  expect(await restore('refs/heads/main', 'deps-main-')).toBe('deps-main-2'); // prefix: the newest
  expect(await restore('refs/heads/main', 'deps-none', ['deps-nope-', 'deps-main-'])).toBe('deps-main-2');
  expect(await restore('refs/heads/feature', 'deps-')).toBe('deps-feature-1'); // its own branch first
  expect(await restore('refs/heads/feature', 'deps-main-1')).toBe('deps-main-1'); // then the default branch
  expect(await restore('refs/heads/other', 'deps-feature-1')).toBeUndefined(); // another branch: never
  expect(await restore('refs/heads/main', 'deps-feature-')).toBeUndefined(); // main cannot read feature
  // The version is the paths + compression: other paths never match.
  expect(
    await asJob('refs/heads/main', (c) => c.restoreCache(['other-path'], 'deps-main-1', [], { lookupOnly: true })),
  ).toBeUndefined();
});

test('a key saved twice in one scope: the second save is refused as GitHub does (an info line, no warning)', async () => {
  process.chdir(workdir('twice', 'x'));
  await asJob('refs/heads/main', (c) => c.saveCache(['deps'], 'same-key'));
  out = [];
  expect(await asJob('refs/heads/main', (c) => c.saveCache(['deps'], 'same-key'))).toBe(-1);
  expect(out.join('')).toContain('Failed to save: Unable to reserve cache with key same-key');
  expect(warnings()).toEqual([]);
  // Another branch may save the same key in its own scope.
  expect(await asJob('refs/heads/feature', (c) => c.saveCache(['deps'], 'same-key'))).toBeGreaterThan(0);
});

test('read-only cache mode: restores work, the save is skipped with an info line, nothing is sent, no warning', async () => {
  process.chdir(workdir('ro', 'y'));
  await asJob('refs/heads/main', (c) => c.saveCache(['deps'], 'ro-key'));
  const before = { ...emulator.requests };
  out = [];
  process.env.ACTIONS_CACHE_MODE = 'read';
  expect(await asJob('refs/heads/main', (c) => c.restoreCache(['deps'], 'ro-key'))).toBe('ro-key');
  expect(await asJob('refs/heads/main', (c) => c.saveCache(['deps'], 'ro-key-2'))).toBe(-1);
  expect(out.join('')).toContain("Cache save skipped: the effective cache-mode 'read' does not permit writes");
  expect(warnings()).toEqual([]);
  expect(emulator.requests.create).toBe(before.create);
  // A token without a writable scope is refused by the service itself ("cache write denied").
  delete process.env.ACTIONS_CACHE_MODE;
  expect(await asJob('refs/heads/main', (c) => c.saveCache(['deps'], 'ro-key-3'), false)).toBe(-1);
  expect(warnings().join('')).toContain('cache write denied');
  expect(emulator.entries.filter((e) => e.key === 'ro-key-3')).toEqual([]);
});

test('blobs: block uploads (Put Block, Put Block List) through the Azure SDK; a bad signature is 403', async () => {
  const { BlockBlobClient } = await import('@azure/storage-blob');
  const token = runtimeToken({ ref: 'refs/heads/main' });
  const twirp = (method: string, body: unknown) =>
    fetch(`${emulator.url}twirp/github.actions.results.api.v1.CacheService/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> }));
  const created = await twirp('CreateCacheEntry', { key: 'big', version: 'v' });
  expect(created.body.ok).toBe(true);
  const data = Buffer.alloc(5000, 7);
  await new BlockBlobClient(created.body.signed_upload_url!).uploadData(data, {
    blockSize: 1024,
    maxSingleShotSize: 1024,
  });
  expect(emulator.requests['blob-put']).toBe(6); // five blocks and the block list
  expect((await twirp('FinalizeCacheEntryUpload', { key: 'big', version: 'v', size_bytes: '4999' })).status).toBe(400);
  expect(
    (await twirp('FinalizeCacheEntryUpload', { key: 'big', version: 'v', size_bytes: '5000' })).body,
  ).toMatchObject({ ok: true });
  const found = await twirp('GetCacheEntryDownloadURL', { key: 'b', restore_keys: [], version: 'v' });
  expect(found.body).toMatchObject({ ok: true, matched_key: 'big' });
  expect(Buffer.from(await (await fetch(found.body.signed_download_url!)).arrayBuffer()).equals(data)).toBe(true);
  const forged = found.body.signed_download_url!.replace(/sig=[^&]+/, 'sig=forged');
  expect((await fetch(forged)).status).toBe(403);
  expect((await twirp('CreateCacheEntry', { key: 'big', version: 'v' })).status).toBe(409);
  expect((await twirp('GetCacheEntryDownloadURL', { key: 'none', version: 'v' })).body).toEqual({ ok: false });
});
