import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';
import { offlineEngineEnv } from './src/offline-env.js';
import { createPool } from './src/pool.js';

// Also set here, so `pnpm exec prisma ...` works without the wrapper script.
Object.assign(process.env, offlineEngineEnv());

// The wasm schema engine arms a 10 s timer for the advisory lock and never clears it, so every
// command lingers 10 s after finishing. Unref'd, the timer still fires while a lock wait keeps
// the process alive (P1002 as before) but no longer holds an idle process open.
const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const timer = realSetTimeout(fn, ms, ...args);
  if ((ms ?? 0) >= 10_000) timer.unref?.();
  return timer;
}) as typeof setTimeout;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  // Only called by commands that talk to the database, so `generate` needs no DATABASE_URL.
  adapter: async () => new PrismaPg(createPool()),
});
