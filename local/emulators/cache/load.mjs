// Loads the cache service emulator (server.ts and its modules) from plain JavaScript: bundles it
// with esbuild into .local/emulators/cache/ and imports it. Used by npm run pipeline.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** @returns {Promise<typeof import('./server.ts')>} */
export async function loadCacheEmulator() {
  const { build } = await import('esbuild');
  const dir = join(root, '.local/emulators/cache');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `server-${process.pid}.mjs`);
  await build({
    entryPoints: [join(root, 'local/emulators/cache/server.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  try {
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(out, { force: true });
  }
}
