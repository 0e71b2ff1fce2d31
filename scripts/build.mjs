#!/usr/bin/env node
// Builds one ncc bundle per action entry: actions/<name>/src/index.ts -> actions/<name>/dist/index.js,
// and src/post.ts -> dist/post/index.js where the action has a post step. Actions are discovered by
// folder (test fixtures under test/fixtures/actions too), so adding one needs no edit here.
// Type errors are not a build concern here (transpile only): `npm run lint` runs tsc over the project.
// Usage: node scripts/build.mjs [name ...]
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ncc = join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js');
const only = process.argv.slice(2);

const actionDirs = ['actions', 'test/fixtures/actions']
  .map((parent) => join(root, parent))
  .filter(existsSync)
  .flatMap((parent) => readdirSync(parent).map((name) => join(parent, name)))
  .filter((dir) => existsSync(join(dir, 'src/index.ts')))
  .filter((dir) => only.length === 0 || only.some((name) => dir.endsWith(`/${name}`)));

// Entries of one action run in order (dist/ is cleaned by the first); actions run in parallel.
const jobs = actionDirs.map((dir) => {
  const entries = [['src/index.ts', 'dist']];
  if (existsSync(join(dir, 'src/post.ts'))) entries.push(['src/post.ts', 'dist/post']);
  return { dir, entries };
});

function bundle(dir, entry, out) {
  return new Promise((resolve, reject) => {
    const args = [
      ncc,
      'build',
      join(dir, entry),
      '-o',
      join(dir, out),
      '--source-map',
      '--license',
      'licenses.txt',
      '--transpile-only',
      '-q',
    ];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`ncc failed for ${relative(root, join(dir, entry))}`)),
    );
  });
}

const started = Date.now();
const queue = [...jobs];
const workers = Array.from({ length: Math.max(1, Math.min(cpus().length, 4)) }, async () => {
  for (let job = queue.shift(); job; job = queue.shift()) {
    rmSync(join(job.dir, 'dist'), { recursive: true, force: true });
    for (const [entry, out] of job.entries) await bundle(job.dir, entry, out);
    console.log(`built ${relative(root, job.dir)} (${job.entries.map(([, out]) => `${out}/index.js`).join(', ')})`);
  }
});
try {
  await Promise.all(workers);
  console.log(`${jobs.length} action(s) built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
