import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';
import { offlineEngineEnv } from './src/offline-env.js';
import { createPool } from './src/pool.js';

// Also set here, so `pnpm exec prisma ...` works without the wrapper script.
Object.assign(process.env, offlineEngineEnv());

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  // Only called by commands that talk to the database, so `generate` needs no DATABASE_URL.
  adapter: async () => new PrismaPg(createPool()),
});
