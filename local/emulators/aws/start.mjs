#!/usr/bin/env node
// Starts the local AWS emulator (ECS + ECR auth + Secrets Manager + SSM parameters) with one command:
//   node local/emulators/aws/start.mjs [--port 4566] [--tick-ms 1000] [--detach] [...]   (see README.md)
// Bundles src/main.ts with esbuild into .local/emulators/aws/emulator.mjs, then runs it in the
// foreground, or with --detach in the background (log .local/emulators/aws.log) once it answers.
// `--stop` stops a detached one (by the pid in .local/emulators/aws.json).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const stateDir = join(root, '.local/emulators');
const bundle = join(stateDir, 'aws/emulator.mjs');
const args = process.argv.slice(2);
const detach = args.includes('--detach');
const stop = args.includes('--stop');
const passThrough = args.filter((a) => a !== '--detach' && a !== '--stop');
const portArg = passThrough.indexOf('--port');
const port = portArg >= 0 ? Number(passThrough[portArg + 1]) : Number(process.env.AWS_EMULATOR_PORT ?? 4566);

const health = async () => {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/_emulator/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok ? await res.json() : undefined;
  } catch {
    return undefined;
  }
};

if (stop) {
  const file = join(stateDir, 'aws.json');
  if (!existsSync(file)) {
    console.log('[aws-emulator] not running (no .local/emulators/aws.json)');
    process.exit(0);
  }
  const { pid } = JSON.parse(readFileSync(file, 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
    console.log(`[aws-emulator] sent SIGTERM to pid ${pid}`);
  } catch {
    console.log(`[aws-emulator] pid ${pid} is not running`);
  }
  process.exit(0);
}

const running = await health();
if (running) {
  console.log(`[aws-emulator] already running on http://127.0.0.1:${port} (pid ${running.pid})`);
  if (detach) process.exit(0);
  process.exit(1);
}

mkdirSync(dirname(bundle), { recursive: true });
const esbuild = await import('esbuild');
await esbuild.build({
  entryPoints: [join(here, 'src/main.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});

if (!detach) {
  process.argv = [process.argv[0], bundle, ...passThrough, '--state-dir', stateDir];
  await import(pathToFileURL(bundle).href);
} else {
  const log = openSync(join(stateDir, 'aws.log'), 'a');
  const child = spawn(process.execPath, [bundle, ...passThrough, '--state-dir', stateDir], {
    cwd: root,
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  for (let i = 0; i < 100; i++) {
    const answer = await health();
    if (answer) {
      console.log(`[aws-emulator] up on http://127.0.0.1:${port} (pid ${answer.pid}, log .local/emulators/aws.log)`);
      process.exit(0);
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error('[aws-emulator] did not answer within 10s; see .local/emulators/aws.log');
  process.exit(1);
}
