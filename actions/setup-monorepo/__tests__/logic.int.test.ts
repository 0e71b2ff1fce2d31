import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { affectedPackages, resolveBase, type WorkspacePackage, workspacePackages } from '../src/affected.js';
import { LocalBackend } from '../src/backends.js';
import { saveOne } from '../src/caches.js';
import { cacheKeys, isForkPullRequest } from '../src/keys.js';
import { goVersionSource, nodeVersionSource, normalizeNodeSpec, pnpmVersionSource } from '../src/versions.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'setup-monorepo-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const files = (entries: Record<string, string>) => {
  for (const [name, text] of Object.entries(entries)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
};

describe('Node version source', () => {
  test.each([
    [{ '.nvmrc': 'v24\n' }, {}, undefined, '24', '.nvmrc'],
    [{ '.node-version': '22.1.0' }, {}, undefined, '22.1.0', '.node-version'],
    [{ '.nvmrc': '24', '.node-version': 'v24' }, {}, undefined, '24', '.nvmrc'],
    [
      {},
      { devEngines: { runtime: { name: 'node', version: '^24' } }, engines: { node: '>=20' } },
      undefined,
      '^24',
      'package.json devEngines.runtime',
    ],
    [{}, { engines: { node: '>=20' } }, undefined, '>=20', 'package.json engines.node'],
    [{ '.nvmrc': '24' }, {}, '22', '22', 'input node-version'],
  ])('%j %j input %s -> %s', (fileSet, pkg, input, spec, source) => {
    files(fileSet);
    expect(nodeVersionSource(dir, pkg, input)).toMatchObject({ spec, source });
  });
  test.each([
    ['lts/*', 'is an alias'],
    ['banana', 'is not a Node version'],
  ])('%s is refused', (spec, message) => {
    expect(() => normalizeNodeSpec(spec, '.nvmrc')).toThrow(message);
  });
});

describe('pnpm version source', () => {
  test.each([
    [{ packageManager: 'pnpm@10.34.8' }, undefined, { version: '10.34.8', sha512: undefined }],
    [{ packageManager: 'pnpm@10.34.8+sha512.abc123' }, undefined, { version: '10.34.8', sha512: 'abc123' }],
    [{ devEngines: { packageManager: { name: 'pnpm', version: '9.15.0' } } }, undefined, { version: '9.15.0' }],
    [{ packageManager: 'pnpm@10.34.8' }, '10.0.0', { version: '10.0.0', source: 'input pnpm-version' }],
  ])('%j input %s', (pkg, input, expected) => {
    expect(pnpmVersionSource(pkg, input)).toMatchObject(expected);
  });
  test.each([
    [{ packageManager: 'npm@10.0.0' }, 'the monorepo uses npm'],
    [{ packageManager: 'pnpm@10' }, 'is not an exact pnpm version'],
    [{ packageManager: 'pnpm@10.1.0+sha1.abc' }, 'hash sha1 is not supported'],
    [
      { packageManager: 'pnpm@10.1.0', devEngines: { packageManager: { name: 'pnpm', version: '9.0.0' } } },
      'conflicts',
    ],
    [{}, 'no pnpm version found'],
  ])('%j fails: %s', (pkg, message) => {
    expect(() => pnpmVersionSource(pkg)).toThrow(message);
  });
});

describe('Go version from go.mod', () => {
  test.each([
    ['module x\n\ngo 1.22.3\n', '1.22.3'],
    ['module x\n\ngo 1.22\n', '1.22.0'],
    ['module x\n\ngo 1.20\n', '1.20'],
    ['module x\n\ngo 1.22\ntoolchain go1.23.4\n', '1.23.4'],
  ])('%j -> %s', (gomod, version) => {
    files({ 'go.mod': gomod });
    expect(goVersionSource(dir)?.spec).toBe(version);
  });
  test('no go.mod, or go-version false: no Go', () => {
    expect(goVersionSource(dir)).toBeUndefined();
    files({ 'go.mod': 'go 1.22.1' });
    expect(goVersionSource(dir, 'false')).toBeUndefined();
  });
});

describe('cache keys', () => {
  const keys = cacheKeys({
    prefix: 'v1',
    os: 'linux',
    arch: 'x64',
    nodeVersion: '24.9.0',
    pnpmVersion: '10.34.8',
    lockHash: 'aaaa',
    manifestHash: 'bbbb',
    sha: 'cafe',
  });
  test('the store key holds OS, arch, Node major, pnpm version and lockfile hash; prefix drops the hash', () => {
    expect(keys['pnpm-store']).toEqual({
      key: 'v1-pnpm-store-linux-x64-node24-pnpm10.34.8-aaaa',
      restoreKeys: ['v1-pnpm-store-linux-x64-node24-pnpm10.34.8-'],
    });
  });
  test('node_modules is exact only', () => expect(keys['node-modules'].restoreKeys).toEqual([]));
  test.each([
    ['push', {}, false],
    ['pull_request', { pull_request: { head: { repo: { fork: false, full_name: 'org/example' } } } }, false],
    ['pull_request', { pull_request: { head: { repo: { fork: true, full_name: 'me/example' } } } }, true],
    ['pull_request_target', { pull_request: { head: { repo: { full_name: 'me/example' } } } }, true],
  ])('fork pull request: %s %j -> %s', (event, payload, fork) => {
    expect(isForkPullRequest(event, payload, 'org/example')).toBe(fork);
  });
});

describe('affected packages', () => {
  const packages: WorkspacePackage[] = [
    { name: 'db', path: 'packages/db', dependencies: [] },
    { name: 'api', path: 'apps/api', dependencies: ['db'] },
    { name: 'web', path: 'apps/web', dependencies: ['ui'] },
    { name: 'ui', path: 'packages/ui', dependencies: [] },
  ];
  const globals = ['pnpm-lock.yaml', 'package.json'];
  test.each([
    [['packages/db/schema.prisma'], ['api', 'db']],
    [['apps/web/index.html'], ['web']],
    [['packages/ui/button.ts'], ['ui', 'web']],
    [['README.md'], []],
    [['pnpm-lock.yaml'], ['api', 'db', 'ui', 'web']],
    [['apps/api/package.json'], ['api']],
  ])('%j -> %j', (changed, expected) => {
    expect(affectedPackages(packages, changed, globals).map((p) => p.name)).toEqual(expected);
  });
  test.each([
    [
      'pull_request',
      { pull_request: { base: { sha: 'b'.repeat(40) } } },
      undefined,
      { base: 'b'.repeat(40), kind: 'pull-request', mergeBase: true },
    ],
    ['push', { before: 'c'.repeat(40) }, undefined, { base: 'c'.repeat(40), kind: 'push' }],
    [
      'push',
      { before: '0'.repeat(40), repository: { default_branch: 'trunk' } },
      undefined,
      { base: 'origin/trunk', kind: 'default-branch' },
    ],
    ['workflow_dispatch', {}, undefined, { base: 'origin/main', kind: 'default-branch' }],
    ['push', { before: 'c'.repeat(40) }, 'v1.2.0', { base: 'v1.2.0', kind: 'input' }],
  ])('base for %s %j (input %s)', (event, payload, input, expected) => {
    expect(resolveBase(event, payload, input)).toMatchObject(expected);
  });
  test('workspace globs, exclusions and dependencies', () => {
    files({
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/**\n  - "!packages/internal/*"\n',
      'apps/a/package.json': JSON.stringify({ name: 'a', dependencies: { b: 'workspace:*' } }),
      'packages/b/package.json': JSON.stringify({ name: 'b' }),
      'packages/nested/c/package.json': JSON.stringify({ name: 'c' }),
      'packages/internal/d/package.json': JSON.stringify({ name: 'd' }),
    });
    expect(workspacePackages(dir)).toEqual([
      { name: 'a', path: 'apps/a', dependencies: ['b'] },
      { name: 'b', path: 'packages/b', dependencies: [] },
      { name: 'c', path: 'packages/nested/c', dependencies: [] },
    ]);
  });
});

describe('local cache backend', () => {
  test('atomic entries, prefix lookup, least-recently-used eviction within the budget', async () => {
    const data = join(dir, 'data');
    const backend = new LocalBackend(join(dir, 'cache'), 2500);
    const save = async (key: string, bytes: number) => {
      rmSync(data, { recursive: true, force: true });
      mkdirSync(data);
      writeFileSync(join(data, 'f'), randomBytes(bytes));
      return backend.save({ id: 'turbo', paths: [data], key, restoreKeys: [] });
    };
    expect(await save('k-1', 1000)).toBeGreaterThan(500);
    expect(await save('k-1', 1000)).toBeUndefined(); // exists: no-op
    await new Promise((r) => setTimeout(r, 20));
    await save('k-2', 1000);
    expect(backend.find({ key: 'k-3', restoreKeys: ['k-'] })?.key).toBe('k-2');
    rmSync(data, { recursive: true });
    expect(await backend.restore({ id: 'turbo', paths: [data], key: 'k-1', restoreKeys: [] })).toMatchObject({
      matchedKey: 'k-1',
    });
    await new Promise((r) => setTimeout(r, 20));
    await save('k-3', 1000); // over budget: k-2 is the least recently used (k-1 was just restored)
    expect(backend.find({ key: 'k-2', restoreKeys: [] })).toBeUndefined();
    expect(backend.find({ key: 'k-1', restoreKeys: [] })).toBeDefined();
    expect(backend.find({ key: 'k-3', restoreKeys: [] })).toBeDefined();
  });

  test('a cache none of whose paths exist is skipped, not a failed save', async () => {
    const backend = new LocalBackend(join(dir, 'cache'), 1e9);
    const outcome = await saveOne(backend, { id: 'turbo', paths: [join(dir, 'no-such')], key: 't-1', restoreKeys: [] });
    expect(outcome).toMatchObject({ status: 'skipped', reason: 'nothing to save' });
    expect(backend.find({ key: 't-1', restoreKeys: [] })).toBeUndefined();
  });

  test('an entry saved from another working directory restores into the paths asked for, by position', async () => {
    const backend = new LocalBackend(join(dir, 'cache'), 1e9);
    const from = join(dir, 'runner-1/repo');
    mkdirSync(join(from, 'node_modules/.pnpm'), { recursive: true });
    writeFileSync(join(from, 'node_modules/.pnpm/lock.yaml'), 'lock');
    symlinkSync('.pnpm/lock.yaml', join(from, 'node_modules/lock'));
    const paths = (root: string) => [join(root, 'node_modules'), join(root, 'apps/a/node_modules')];
    await backend.save({ id: 'node-modules', paths: paths(from), key: 'nm-1', restoreKeys: [] });
    const to = join(dir, 'runner-2/repo');
    expect(await backend.restore({ id: 'node-modules', paths: paths(to), key: 'nm-1', restoreKeys: [] })).toMatchObject(
      { matchedKey: 'nm-1' },
    );
    expect(readFileSync(join(to, 'node_modules/.pnpm/lock.yaml'), 'utf8')).toBe('lock');
    expect(readlinkSync(join(to, 'node_modules/lock'))).toBe('.pnpm/lock.yaml');
    expect(existsSync(join(to, 'apps/a/node_modules'))).toBe(false); // not in the entry: left alone
    // an entry that holds none of the paths asked for restores nothing and is a miss, not a hit
    expect(
      await backend.restore({ id: 'node-modules', paths: [join(to, 'other')], key: 'nm-1', restoreKeys: [] }),
    ).toBeUndefined();
  });
});
