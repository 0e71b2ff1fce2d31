#!/usr/bin/env node
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// Bundles the local workflow runner (local/runner/src) into dist/runner.mjs with esbuild: ESM with a
// createRequire banner, because @actions/workflow-parser imports JSON without import attributes and
// so cannot run straight from node_modules. Fast (well under 2 s); `npm run pipeline` and the tests
// call it first. Usage: node local/runner/build.mjs [--quiet]
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export const RUNNER_BUNDLE = join(here, 'dist/runner.mjs');

export async function buildRunner() {
  const started = Date.now();
  await build({
    entryPoints: [join(here, 'src/index.ts')],
    outfile: RUNNER_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __runnerCreateRequire } from 'node:module'; const require = __runnerCreateRequire(import.meta.url);",
    },
  });
  return Date.now() - started;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ms = await buildRunner();
  if (!process.argv.includes('--quiet')) console.log(`local/runner: bundled ${RUNNER_BUNDLE} in ${ms} ms`);
}
