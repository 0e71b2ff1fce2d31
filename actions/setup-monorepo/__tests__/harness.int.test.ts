/**
 * The bundle as the runner runs it, on a git copy of examples/monorepo with real pnpm, turbo and
 * git: tools downloaded through @actions/tool-cache from a local mirror of real archives, caches in
 * the local-directory backend (and GitHub's cache service emulator), saves in the post step.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CacheEmulator, startCacheEmulator } from '../../../local/emulators/cache/server.js';
import { type RunOptions, runAction } from '../../../test/harness.js';
import {
  buildMirrorTree,
  git,
  type Mirror,
  makeRepo,
  NODE_VERSION,
  PNPM_VERSION,
  type Repo,
  shallowClone,
  startMirror,
} from './fixtures.js';

let root: string;
let mirror: Mirror;
let repo: Repo;
let emulator: CacheEmulator;
const toolCache = () => join(root, 'tool-cache');
const cacheDir = () => join(root, 'local-cache');
const storeHome = () => join(root, 'xdg-data');
const entries = () =>
  existsSync(join(cacheDir(), 'entries'))
    ? readdirSync(join(cacheDir(), 'entries')).filter((f) => f.endsWith('.json'))
    : [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'setup-monorepo-test-'));
  mirror = await startMirror(buildMirrorTree());
  emulator = await startCacheEmulator();
  repo = makeRepo(root);
}, 120_000);

afterAll(async () => {
  await mirror?.close();
  await emulator?.close();
  rmSync(root, { recursive: true, force: true });
});

let counter = 0;
function workspace(branch = 'main', shallow = false): string {
  const dir = join(root, `ws-${++counter}`);
  if (shallow) return shallowClone(repo, branch, dir);
  git(root, 'clone', '-q', '--branch', branch, `file://${repo.dir}`, dir);
  return dir;
}

function event(payload: object): string {
  const file = join(root, `event-${++counter}.json`);
  writeFileSync(file, JSON.stringify(payload));
  return file;
}

function run(cwd: string, inputs: RunOptions['inputs'] = {}, env: RunOptions['env'] = {}, post = true) {
  return runAction('setup-monorepo', {
    cwd,
    post,
    timeoutMs: 150_000,
    inputs: {
      'node-mirror': `${mirror.url}node/`,
      'pnpm-mirror': `${mirror.url}npm/`,
      'cache-backend': 'local',
      'cache-dir': cacheDir(),
      'job-status': 'success',
      ...inputs,
    },
    env: {
      RUNNER_TOOL_CACHE: toolCache(),
      // pnpm's store and metadata cache live under the test root, never in the machine's shared store.
      XDG_DATA_HOME: storeHome(),
      XDG_CACHE_HOME: join(root, 'xdg-cache'),
      GITHUB_SHA: existsSync(join(cwd, '.git')) ? git(cwd, 'rev-parse', 'HEAD') : '0'.repeat(40),
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: event({ before: repo.commits.database, repository: { default_branch: 'main' } }),
      ...env,
    },
  });
}

const expectOk = (r: Awaited<ReturnType<typeof run>>) => {
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}:\n${r.log.slice(-4000)}`);
};

describe('setup-monorepo (local backend)', () => {
  test('cold run: downloads Node and pnpm from the mirror, misses, installs, saves in the post step', async () => {
    const result = await run(workspace());
    expectOk(result);
    expect(result.outputs['node-version']).toBe(NODE_VERSION);
    expect(result.outputs['pnpm-version']).toBe(PNPM_VERSION);
    expect(mirror.requests).toEqual(
      expect.arrayContaining([
        '/node/index.json',
        `/node/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-x64.tar.gz`,
        `/npm/pnpm/-/pnpm-${PNPM_VERSION}.tgz`,
      ]),
    );
    expect(result.path).toEqual(expect.arrayContaining([join(toolCache(), 'node', NODE_VERSION, 'x64', 'bin')]));
    expect(JSON.parse(result.outputs['cache-hits']!)).toEqual({ 'pnpm-store': 'miss', turbo: 'miss' });
    expect(result.outputs['cache-hit-pnpm-store']).toBe('false');
    expect(Number(result.outputs['install-time-ms'])).toBeGreaterThan(0);
    // push with before = the database commit: only the frontend changed since
    expect(JSON.parse(result.outputs.affected!)).toEqual(['@example/frontend']);
    expect(result.env.TURBO_SCM_BASE).toBe(repo.commits.database);
    expect(result.summary).toContain('pnpm-store');
    expect(result.post?.exitCode).toBe(0);
    expect(result.post?.log).toContain('pnpm store prune');
    expect(result.post?.log).toMatch(/pnpm-store: saved v1-pnpm-store-linux-x64-node24-pnpm10\.34\.8-/);
    expect(entries()).toHaveLength(1); // the store (no .turbo/cache without a turbo run)
  });

  test('warm run: the tool cache and an exact store hit; nothing saved again', async () => {
    rmSync(join(storeHome(), 'pnpm'), { recursive: true, force: true });
    const requestsBefore = mirror.requests.length;
    const result = await run(workspace());
    expectOk(result);
    expect(mirror.requests.length).toBe(requestsBefore); // Node and pnpm from the tool cache
    expect(result.log).toContain(`Node ${NODE_VERSION} (.nvmrc, tool cache)`);
    expect(result.outputs['cache-hit-pnpm-store']).toBe('true');
    expect(result.summary).toMatch(/MB\/s/);
    expect(result.post?.log).toContain('pnpm-store: restored on its exact key: not saving');
    expect(entries()).toHaveLength(1);
  });

  test('prefix fallback after a lockfile change: restored from the older store, saved on the new key', async () => {
    const dir = workspace();
    appendFileSync(join(dir, 'pnpm-lock.yaml'), '\n# a lockfile change\n');
    const result = await run(dir);
    expectOk(result);
    expect(JSON.parse(result.outputs['cache-hits']!)['pnpm-store']).toBe('prefix');
    expect(result.outputs['cache-hit-pnpm-store']).toBe('false');
    expect(result.post?.log).toMatch(/pnpm-store: saved/);
    expect(entries()).toHaveLength(2);
  });

  test('fork pull request on a shallow clone: affected since the merge base, nothing saved', async () => {
    const dir = workspace('feature', true);
    const result = await run(
      dir,
      { 'cache-prefix': 'fork' },
      {
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: event({
          pull_request: {
            base: { sha: repo.commits.frontend },
            head: { repo: { fork: true, full_name: 'someone/example' } },
          },
        }),
      },
    );
    expectOk(result);
    expect(result.log).toContain('deepening the clone');
    expect(JSON.parse(result.outputs.affected!)).toEqual(['@example/backend']);
    expect(JSON.parse(result.outputs['affected-matrix']!)).toEqual({
      include: [{ name: '@example/backend', path: 'apps/backend' }],
    });
    expect(result.env.TURBO_SCM_BASE).toBe(repo.commits.database);
    expect(result.post?.log).toContain('not saving caches: fork pull request');
    expect(entries()).toHaveLength(2);
  });

  test('push on a shallow clone: fetches `before`; a database change affects its dependents', async () => {
    const dir = workspace('main', true);
    const result = await run(
      dir,
      { install: false, 'cache-backend': 'none' },
      { GITHUB_EVENT_PATH: event({ before: repo.commits.initial }) },
    );
    expectOk(result);
    expect(result.log).toContain(`fetching the base ${repo.commits.initial}`);
    expect(JSON.parse(result.outputs.affected!)).toEqual([
      '@example/backend',
      '@example/database',
      '@example/frontend',
    ]);
    expect(result.outputs['affected-base']).toBe(repo.commits.initial);
  });

  test('post step after a failed job: saves only with save-on-failure', async () => {
    const dir = workspace();
    const skipped = await run(dir, { 'cache-prefix': 'failed', 'job-status': 'failure', affected: false });
    expectOk(skipped);
    expect(skipped.post?.log).toContain('the job did not succeed (job-status failure) and save-on-failure is false');
    expect(entries()).toHaveLength(2);
    const saved = await run(dir, {
      'cache-prefix': 'failed',
      'job-status': 'failure',
      'save-on-failure': true,
      affected: false,
    });
    expectOk(saved);
    expect(saved.post?.log).toMatch(/pnpm-store: saved failed-pnpm-store-/);
    expect(saved.post?.summary).toContain('saved because save-on-failure is true');
    expect(entries()).toHaveLength(3);
  });

  test('node_modules cache: an exact hit skips the store restore', async () => {
    const inputs = { 'cache-prefix': 'nm', 'cache-node-modules': true, affected: false };
    const first = await run(workspace(), inputs);
    expectOk(first);
    expect(first.post?.log).toMatch(/node-modules: saved nm-node-modules-/);
    const second = await run(workspace(), inputs);
    expectOk(second);
    expect(second.outputs['cache-hit-node-modules']).toBe('true');
    expect(second.log).toContain('pnpm-store: not restored');
    // restored from another workspace directory into this one: pnpm finds nothing to do
    expect(second.log).not.toMatch(/node-modules: exact hit .*\(0\.0 MB/);
    expect(second.log).toContain('Already up to date');
    expect(second.post?.log).toContain('node-modules: restored on its exact key: not saving');
  });

  test('a corrupt cache entry is a miss with a warning, not a failed job', async () => {
    const dir = workspace();
    const corrupt = join(cacheDir(), 'entries');
    for (const file of readdirSync(corrupt).filter((f) => f.endsWith('.tar.zst')))
      writeFileSync(join(corrupt, file), 'not zstd');
    const result = await run(dir, { affected: false, 'save-cache': false });
    expectOk(result);
    expect(result.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'warning',
          message: expect.stringContaining('pnpm-store: cache restore failed'),
        }),
      ]),
    );
    expect(result.outputs['cache-hit-pnpm-store']).toBe('false');
  });
});

describe('setup-monorepo (GitHub cache service emulator)', () => {
  const github = (extra: RunOptions['inputs'] = {}) => ({
    'cache-backend': 'github',
    'cache-prefix': 'gh',
    affected: false,
    ...extra,
  });
  const ghEnv = () => ({
    ACTIONS_CACHE_URL: emulator.url,
    ACTIONS_RUNTIME_TOKEN: 'runtime-token',
    ACTIONS_CACHE_SERVICE_V2: undefined,
    ACTIONS_RESULTS_URL: undefined,
  });

  test('saves through @actions/cache and restores on the exact key', async () => {
    const first = await run(workspace(), github(), ghEnv());
    expectOk(first);
    expect(first.post?.log).toMatch(/pnpm-store: saved gh-pnpm-store-/);
    expect(emulator.entries.filter((e) => e.committed)).toHaveLength(1);
    rmSync(join(storeHome(), 'pnpm'), { recursive: true, force: true });
    const second = await run(workspace(), github(), ghEnv());
    expectOk(second);
    expect(second.outputs['cache-hit-pnpm-store']).toBe('true');
    expect(emulator.requests.download).toBe(1);
  });

  test('a restore that times out is a miss with a warning', async () => {
    emulator.faults.push({ route: 'query', delayMs: 4000, times: 1 });
    const result = await run(workspace(), github({ 'restore-timeout': '1s', 'save-cache': false }), ghEnv());
    expectOk(result);
    expect(result.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'warning', message: expect.stringContaining('did not finish within 1s') }),
      ]),
    );
  });
});

describe('setup-monorepo: bad input', () => {
  const bare = (files: Record<string, string>) => {
    const dir = join(root, `bare-${++counter}`);
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };
  const pkg = (extra: object = {}) => JSON.stringify({ name: 'x', packageManager: `pnpm@${PNPM_VERSION}`, ...extra });

  test.each([
    ['no Node version source', { 'package.json': pkg() }, {}, 'node-version: no Node version found'],
    [
      'conflicting .nvmrc and .node-version',
      { 'package.json': pkg(), '.nvmrc': '24\n', '.node-version': '22\n' },
      {},
      '.nvmrc says 24 but .node-version says 22',
    ],
    [
      '.nvmrc outside engines',
      { 'package.json': pkg({ engines: { node: '>=25' } }), '.nvmrc': '24' },
      {},
      'does not satisfy engines.node ">=25"',
    ],
    [
      'no pnpm version',
      { 'package.json': JSON.stringify({ name: 'x' }), '.nvmrc': '24' },
      {},
      'pnpm-version: no pnpm version found',
    ],
    [
      'yarn as package manager',
      { 'package.json': pkg({ packageManager: 'yarn@4.1.0' }), '.nvmrc': '24' },
      {},
      'the monorepo uses yarn',
    ],
    [
      'an invalid mirror URL',
      { 'package.json': pkg(), '.nvmrc': '24' },
      { 'node-mirror': 'mirror.local/node' },
      'node-mirror: "mirror.local/node" is not a URL',
    ],
    [
      'local backend without a directory',
      { 'package.json': pkg(), '.nvmrc': '24' },
      { 'cache-dir': '' },
      'cache-dir: is required when cache-backend is local',
    ],
    [
      'a pnpm hash that does not match',
      { 'package.json': pkg({ packageManager: `pnpm@${PNPM_VERSION}+sha512.${'ab'.repeat(64)}` }), '.nvmrc': '24' },
      { 'cache-backend': 'none' },
      'but packageManager pins',
    ],
  ])('%s', async (_, files, inputs, message) => {
    const result = await run(
      bare(files),
      { affected: false, install: false, ...inputs },
      { RUNNER_TOOL_CACHE: join(root, `tc-${counter}`) },
      false,
    );
    expect(result.exitCode).toBe(1);
    expect(result.annotations.find((a) => a.level === 'error')?.message).toContain(message);
  });

  test('a lockfile that does not match package.json', async () => {
    const dir = workspace();
    const manifest = join(dir, 'apps/frontend/package.json');
    const json = JSON.parse(readFileSync(manifest, 'utf8'));
    json.dependencies = { 'left-pad': '1.3.0' };
    writeFileSync(manifest, JSON.stringify(json));
    const result = await run(dir, { affected: false, 'cache-backend': 'none' });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.find((a) => a.level === 'error')?.message).toContain(
      'pnpm-lock.yaml: does not match package.json',
    );
  });
});
