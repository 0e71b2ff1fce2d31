#!/usr/bin/env node
// npm run bench: builds the bundles, then prints one table. First rows: each bundle's size and its
// cold start (a run with no inputs, which fails validation) as a ratio to bare `node -e 0` under
// the same Node 24, medians of several runs measured here in one process. Then the rows of every
// bench/*.bench.mjs module, in name order (each exports `default async (ctx) => rows`).
// Usage: node scripts/bench.mjs [--no-build] [filter]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createStepFiles, inputEnvironment, NODE24, stepEnvironment } from '../local/runner/src/step-protocol.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const node24 = NODE24;
const args = process.argv.slice(2);
const filter = args.find((a) => !a.startsWith('--'));
if (!args.includes('--no-build'))
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });

const median = async (fn, runs = 7) => {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
};

/** A runner step's environment (the local runner's step protocol: no npm_* variables, no node_modules/.bin on PATH). */
const stepEnv = () => stepEnvironment(process.env);

/** Spawns a bundle as the runner would, with fresh GITHUB_* files; resolves with exit code, ms, log. */
function runAction(dir, inputs = {}, env = {}) {
  const temp = mkdtempSync(join(tmpdir(), 'bench-'));
  const files = createStepFiles(temp);
  const clean = stepEnv();
  const inputEnv = inputEnvironment(inputs);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(node24, [join(dir, 'dist/index.js')], {
      env: { ...clean, GITHUB_ACTIONS: 'true', RUNNER_TEMP: temp, ...files, ...inputEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    child.on('close', (exitCode) => resolve({ exitCode, ms: performance.now() - started, log, files }));
  });
}

const ctx = { root, node24, median, runAction, stepEnv };
const rows = [];
const bare = await median(() => new Promise((r) => spawn(node24, ['-e', '0']).on('close', r)), 9);
rows.push({ name: 'node -e 0 (Node 24, baseline)', value: bare.toFixed(1), unit: 'ms' });

const actionsDir = join(root, 'actions');
for (const name of existsSync(actionsDir) ? readdirSync(actionsDir).sort() : []) {
  const dir = join(actionsDir, name);
  const bundle = join(dir, 'dist/index.js');
  if (!existsSync(bundle) || (filter && !name.includes(filter))) continue;
  rows.push({ name: `${name}: bundle size`, value: (statSync(bundle).size / 1024).toFixed(0), unit: 'KiB' });
  let exitCode;
  const cold = await median(async () => {
    exitCode = (await runAction(dir)).exitCode;
  });
  rows.push({
    name: `${name}: cold start (no inputs) vs node -e 0`,
    value: (cold / bare).toFixed(2),
    unit: 'x',
    note: `${cold.toFixed(0)} ms, exit ${exitCode}`,
  });
}

const benchDir = join(root, 'bench');
for (const file of existsSync(benchDir)
  ? readdirSync(benchDir)
      .filter((f) => f.endsWith('.bench.mjs'))
      .sort()
  : []) {
  if (filter && !file.includes(filter)) continue;
  const started = performance.now();
  try {
    const module = await import(pathToFileURL(join(benchDir, file)).href);
    for (const row of await module.default(ctx)) rows.push(row);
  } catch (error) {
    rows.push({ name: `${file}: FAILED`, value: '-', unit: '', note: String(error?.message ?? error).split('\n')[0] });
    process.exitCode = 1;
  }
  console.error(`${file}: ${((performance.now() - started) / 1000).toFixed(1)}s`);
}

const widths = [
  Math.max(...rows.map((r) => r.name.length), 9),
  Math.max(...rows.map((r) => `${r.value} ${r.unit}`.length), 5),
];
console.log(`\n${'benchmark'.padEnd(widths[0])}  ${'value'.padStart(widths[1])}  note`);
console.log(`${'-'.repeat(widths[0])}  ${'-'.repeat(widths[1])}  ----`);
for (const r of rows) {
  console.log(`${r.name.padEnd(widths[0])}  ${`${r.value} ${r.unit}`.trim().padStart(widths[1])}  ${r.note ?? ''}`);
}
