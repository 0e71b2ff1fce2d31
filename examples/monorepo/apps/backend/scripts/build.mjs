// Builds dist/: one CommonJS bundle (app + Prisma Client + pg driver adapter + pg) and the files
// the client reads beside it. The Docker image copies dist/ only: no npm, no install, no network.
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeFiles } from '@example/database/runtime-files';
import { build } from 'esbuild';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(appDir, 'dist');

for (const file of runtimeFiles) {
  if (!existsSync(file))
    throw new Error(`${file} is missing: run the database package's build (prisma generate) first`);
}
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const result = await build({
  entryPoints: [join(appDir, 'src/server.js')],
  outfile: join(outDir, 'server.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  // Optional native/edge drivers of pg that a Node server never loads.
  external: ['pg-native', 'pg-cloudflare'],
  metafile: true,
  logLevel: 'warning',
});
for (const file of runtimeFiles) copyFileSync(file, join(outDir, basename(file)));

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(
  `dist/server.cjs built (${(bytes / 1024).toFixed(0)} KiB with source map) + ${runtimeFiles.map((f) => basename(f)).join(', ')}`,
);
