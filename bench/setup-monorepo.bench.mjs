// setup-monorepo on examples/monorepo with the local-directory cache backend: warm (tool cache +
// exact pnpm store hit) versus cold (download Node and pnpm from a local mirror, empty store), and on
// a hit, the node_modules cache versus the store-only cache. Main step times; saves run in the post
// step between runs and are not timed.
import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE24 } from '../local/runner/src/step-protocol.mjs';

const NODE = '24.9.0';
const PNPM = '10.34.8';

function mirrorTree() {
  const dir = join(tmpdir(), `setup-monorepo-mirror-${NODE}-${PNPM}`);
  if (existsSync(join(dir, 'ready'))) return dir;
  const name = `node-v${NODE}-linux-x64`;
  const stage = mkdtempSync(join(tmpdir(), 'bench-mirror-'));
  mkdirSync(join(stage, name, 'bin'), { recursive: true });
  cpSync(NODE24, join(stage, name, 'bin/node'));
  mkdirSync(join(dir, 'node', `v${NODE}`), { recursive: true });
  execFileSync('tar', ['-I', 'gzip -1', '-cf', join(dir, 'node', `v${NODE}`, `${name}.tar.gz`), '-C', stage, name]);
  writeFileSync(join(dir, 'node/index.json'), JSON.stringify([{ version: `v${NODE}` }]));
  mkdirSync(join(dir, 'npm/pnpm/-'), { recursive: true });
  execFileSync('npm', ['pack', `pnpm@${PNPM}`, '--pack-destination', join(dir, 'npm/pnpm/-')], { stdio: 'ignore' });
  writeFileSync(join(dir, 'ready'), '');
  rmSync(stage, { recursive: true, force: true });
  return dir;
}

function serve(dir) {
  const server = createServer((req, res) => {
    const file = join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!existsSync(file) || !statSync(file).isFile()) return res.writeHead(404).end();
    res.writeHead(200, { 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const parseState = (text) =>
  Object.fromEntries(
    [...text.matchAll(/^(.+?)<<(.+)\n([\s\S]*?)\n\2$/gm)]
      .map(([, k, , v]) => [k, v])
      .concat(
        text
          .split('\n')
          .filter((l) => /^[^<]+=/.test(l) && !l.includes('<<'))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      ),
  );

export default async function (ctx) {
  const dir = join(ctx.root, 'actions/setup-monorepo');
  const work = mkdtempSync(join(tmpdir(), 'bench-setup-monorepo-'));
  const server = await serve(mirrorTree());
  const mirror = `http://127.0.0.1:${server.address().port}/`;
  let n = 0;
  const workspace = () => {
    const ws = join(work, `ws-${++n}`);
    const skip = new Set(['node_modules', '.turbo', 'dist', 'generated']);
    cpSync(join(ctx.root, 'examples/monorepo'), ws, { recursive: true, filter: (s) => !skip.has(s.split('/').pop()) });
    return ws;
  };
  const env = (extra = {}) => ({
    RUNNER_TOOL_CACHE: join(work, 'tool-cache'),
    RUNNER_TEMP: join(work, `temp-${n}`),
    XDG_DATA_HOME: join(work, 'xdg-data'),
    XDG_CACHE_HOME: join(work, `xdg-cache-${n}`),
    GITHUB_SHA: 'b'.repeat(40),
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    ...extra,
  });
  const inputs = (ws, extra = {}) => ({
    'working-directory': ws,
    'node-mirror': `${mirror}node/`,
    'pnpm-mirror': `${mirror}npm/`,
    'cache-backend': 'local',
    'cache-dir': join(work, 'cache'),
    affected: 'false',
    'job-status': 'success',
    ...extra,
  });
  const post = (result, stepEnv, stepInputs) =>
    new Promise((resolve) => {
      const state = parseState(readFileSync(result.files.GITHUB_STATE, 'utf8'));
      const child = spawn(ctx.node24, [join(dir, 'dist/post/index.js')], {
        env: {
          ...ctx.stepEnv(),
          ...stepEnv,
          ...Object.fromEntries(Object.entries(stepInputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
          ...Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v])),
        },
        stdio: 'ignore',
      });
      child.on('close', resolve);
    });
  const step = async (extraInputs = {}, freshStore = true) => {
    if (freshStore) rmSync(join(work, 'xdg-data'), { recursive: true, force: true });
    const ws = workspace();
    const stepEnv = env();
    const stepInputs = inputs(ws, extraInputs);
    const result = await ctx.runAction(dir, stepInputs, stepEnv);
    if (result.exitCode !== 0) throw new Error(`setup-monorepo failed:\n${result.log.slice(-3000)}`);
    await post(result, stepEnv, stepInputs);
    return result.ms;
  };
  try {
    const cold = await step();
    const warm = await step();
    await step({ 'cache-node-modules': 'true', 'cache-prefix': 'nm' }); // seeds the node_modules entry
    const nodeModules = await step({ 'cache-node-modules': 'true', 'cache-prefix': 'nm' });
    const storeOnly = await step();
    return [
      {
        name: 'setup-monorepo: cold vs warm setup (local backend)',
        value: (cold / warm).toFixed(2),
        unit: 'x',
        note: `cold ${cold.toFixed(0)} ms, warm ${warm.toFixed(0)} ms`,
      },
      {
        name: 'setup-monorepo: store-only vs node_modules cache on a hit',
        value: (storeOnly / nodeModules).toFixed(2),
        unit: 'x',
        note: `store-only ${storeOnly.toFixed(0)} ms, node_modules ${nodeModules.toFixed(0)} ms`,
      },
    ];
  } finally {
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
}
