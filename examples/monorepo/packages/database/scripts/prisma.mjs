#!/usr/bin/env node
// Runs the real Prisma CLI with the offline engine environment (see src/offline-env.js):
//   node scripts/prisma.mjs migrate deploy      (only DATABASE_URL needs to be set)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { offlineEngineEnv } from '../src/offline-env.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = createRequire(join(packageDir, 'package.json')).resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], {
  cwd: packageDir,
  env: offlineEngineEnv(),
  stdio: 'inherit',
});
if (result.error) throw result.error;
process.exit(result.status ?? 1);
