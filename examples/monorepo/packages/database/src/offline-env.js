// Environment that lets the Prisma 6.19 CLI run without downloading its Rust engines.
//
// With `engine: 'js'` in prisma.config.ts the CLI uses the wasm schema engine through the pg
// driver adapter and the generated client uses the wasm query compiler, so the Rust binaries
// are never executed; but the CLI still checks for them at startup and downloads them when
// missing. Pointing both variables at any existing file skips that download.
import { fileURLToPath } from 'node:url';

export const PLACEHOLDER_ENGINE = fileURLToPath(new URL('../package.json', import.meta.url));

/**
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {NodeJS.ProcessEnv}
 */
export function offlineEngineEnv(env = process.env) {
  return {
    ...env,
    PRISMA_SCHEMA_ENGINE_BINARY: env.PRISMA_SCHEMA_ENGINE_BINARY || PLACEHOLDER_ENGINE,
    PRISMA_QUERY_ENGINE_LIBRARY: env.PRISMA_QUERY_ENGINE_LIBRARY || PLACEHOLDER_ENGINE,
    // No update check, no telemetry: there is no network to reach.
    CHECKPOINT_DISABLE: env.CHECKPOINT_DISABLE || '1',
    PRISMA_HIDE_UPDATE_MESSAGE: env.PRISMA_HIDE_UPDATE_MESSAGE || '1',
  };
}
