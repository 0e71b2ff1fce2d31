#!/usr/bin/env node
// Starts the GitHub REST emulator: node local/emulators/github/start.mjs [--port 3456] [--seed seed.json] [--detach]
// Bundles server.ts with esbuild into .local/emulators/github/, writes .local/emulators/github/{pid,port,url}.
// Stop it with: kill $(cat .local/emulators/github/pid)
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEmulator } from './load.mjs';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const stateDir = join(root, '.local/emulators/github');
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const port = Number(option('port') ?? process.env.GITHUB_EMULATOR_PORT ?? 3456);
const seedFile = option('seed');

mkdirSync(stateDir, { recursive: true });
if (args.includes('--detach')) {
  const rest = args.filter((a) => a !== '--detach');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--port', String(port), ...rest], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  child.unref();
  // Wait for the port file of this child.
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      const pid = Number(readFileSync(join(stateDir, 'pid'), 'utf8'));
      if (pid === child.pid) {
        console.log(readFileSync(join(stateDir, 'url'), 'utf8'));
        process.exit(0);
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error('the emulator did not start within 15s');
  process.exit(1);
}

const { startGitHubEmulator } = await loadEmulator();
const seed = seedFile ? JSON.parse(readFileSync(seedFile, 'utf8')) : undefined;
const emulator = await startGitHubEmulator({ port, seed });
writeFileSync(join(stateDir, 'port'), String(port));
writeFileSync(join(stateDir, 'url'), emulator.url);
writeFileSync(join(stateDir, 'pid'), String(process.pid));
console.log(`GitHub emulator listening on ${emulator.url} (pid ${process.pid})`);
const stop = async () => {
  await emulator.close();
  rmSync(join(stateDir, 'pid'), { force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
