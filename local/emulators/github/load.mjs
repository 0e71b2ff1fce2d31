// Loads the emulator (server.ts) from plain JavaScript: bundles it with esbuild into
// .local/emulators/github/server.mjs and imports it. Used by start.mjs and benchmarks.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** @returns {Promise<typeof import('./server.ts')>} */
export async function loadEmulator() {
  const { build } = await import('esbuild');
  const out = join(root, '.local/emulators/github', `server-${process.pid}.mjs`);
  await build({
    entryPoints: [join(root, 'local/emulators/github/server.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  const module = await import(pathToFileURL(out).href);
  rmSync(out, { force: true });
  return module;
}
