import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import { errorMessage } from '../../../shared/errors.js';
import { info } from '../../../shared/log.js';
import { type CacheBackend, GitHubBackend, LocalBackend } from './backends.js';
import type { CacheId, CacheSpec } from './keys.js';

export type HitKind = 'exact' | 'prefix' | 'miss';

export interface RestoreOutcome {
  id: CacheId;
  key: string;
  hit: HitKind;
  matchedKey?: string;
  /** Bytes on disk after the restore (what was unpacked). */
  bytes?: number;
  archiveBytes?: number;
  ms: number;
  warning?: string;
}

export interface BackendConfig {
  kind: 'github' | 'local';
  dir?: string;
  limitBytes: number;
  timeoutMs: number;
}

export function makeBackend(config: BackendConfig): CacheBackend {
  return config.kind === 'local'
    ? new LocalBackend(config.dir!, config.limitBytes)
    : new GitHubBackend(config.timeoutMs);
}

/** Size of a directory tree on disk (symlinks count as themselves, not their targets). */
export function treeBytes(path: string): number {
  let total = 0;
  const stack = [path];
  while (stack.length) {
    const current = stack.pop()!;
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(current);
    } catch {
      continue;
    }
    if (stat.isDirectory()) for (const name of readdirSync(current)) stack.push(join(current, name));
    else total += stat.size;
  }
  return total;
}

class Timeout extends Error {}

/** Rejects with a Timeout after `ms`; the timer never keeps the process alive. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(`${what} did not finish within ${Math.round(ms / 1000)}s`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Restores one cache. Any failure or a timeout is a miss with a warning, never a failed job: the
 * install that follows rebuilds what the cache would have provided.
 */
export async function restoreOne(backend: CacheBackend, spec: CacheSpec, timeoutMs: number): Promise<RestoreOutcome> {
  const started = Date.now();
  const base = { id: spec.id, key: spec.key };
  try {
    const restored = await withTimeout(backend.restore(spec), timeoutMs, `restoring the ${spec.id} cache`);
    const ms = Date.now() - started;
    if (!restored) {
      info(`${spec.id}: cache miss for ${spec.key}`);
      return { ...base, hit: 'miss', ms };
    }
    const hit: HitKind = restored.matchedKey === spec.key ? 'exact' : 'prefix';
    const bytes = spec.paths.reduce((sum, p) => sum + treeBytes(p), 0);
    info(`${spec.id}: ${hit} hit ${restored.matchedKey} (${(bytes / 1048576).toFixed(1)} MB in ${ms} ms)`);
    return { ...base, hit, matchedKey: restored.matchedKey, bytes, archiveBytes: restored.archiveBytes, ms };
  } catch (error) {
    const warning = `${spec.id}: cache restore failed, continuing without it: ${errorMessage(error)}`;
    core.warning(warning);
    return { ...base, hit: 'miss', ms: Date.now() - started, warning };
  }
}

export interface SaveOutcome {
  id: CacheId;
  key: string;
  status: 'saved' | 'exists' | 'skipped' | 'failed';
  bytes?: number;
  ms: number;
  reason?: string;
}

/** Saves one cache; a failure is a warning. */
export async function saveOne(backend: CacheBackend, spec: CacheSpec): Promise<SaveOutcome> {
  const started = Date.now();
  if (!spec.paths.some((path) => existsSync(path))) {
    // e.g. the turbo cache in a job that ran no turbo task: nothing to save, nothing wrong.
    info(`${spec.id}: nothing to save (${spec.paths.join(', ')} not there)`);
    return { id: spec.id, key: spec.key, status: 'skipped', ms: 0, reason: 'nothing to save' };
  }
  const mode = (process.env.ACTIONS_CACHE_MODE ?? '').trim().toLowerCase();
  if (backend.name === 'github' && (mode === 'read' || mode === 'none')) {
    // The runner's read-only cache mode: @actions/cache skips every save (-1); not a failure.
    info(`${spec.id}: not saved (the cache is read-only for this job: ACTIONS_CACHE_MODE=${mode})`);
    return { id: spec.id, key: spec.key, status: 'skipped', ms: 0, reason: 'read-only cache' };
  }
  try {
    const bytes = await backend.save(spec);
    const ms = Date.now() - started;
    if (bytes === undefined) {
      info(`${spec.id}: ${spec.key} already exists in the cache`);
      return { id: spec.id, key: spec.key, status: 'exists', ms };
    }
    info(`${spec.id}: saved ${spec.key}${bytes ? ` (${(bytes / 1048576).toFixed(1)} MB)` : ''} in ${ms} ms`);
    return { id: spec.id, key: spec.key, status: 'saved', bytes: bytes || undefined, ms };
  } catch (error) {
    const reason = errorMessage(error);
    core.warning(`${spec.id}: cache save failed: ${reason}`);
    return { id: spec.id, key: spec.key, status: 'failed', ms: Date.now() - started, reason };
  }
}
