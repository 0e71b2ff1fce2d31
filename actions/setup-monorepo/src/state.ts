/**
 * What the main step hands the post step, through the runner's step state (`GITHUB_STATE` in main,
 * `STATE_<key>` in post). Each key is defined once, here; main and post read and write it only
 * through these functions.
 */
import * as core from '@actions/core';
import type { BackendConfig, RestoreOutcome } from './caches.js';
import type { CacheSpec } from './keys.js';

/** What the post step needs to save the caches. */
export interface PostState {
  backend?: BackendConfig;
  caches: (CacheSpec & { hit: RestoreOutcome['hit'] | 'skipped' })[];
  saveAllowed: boolean;
  saveBlockedReason?: string;
  saveOnFailure: boolean;
  pnpm: string;
  /** Put first on PATH in the post step (the runner's PATH there may lack it). */
  pathDirs: string[];
  cwd: string;
}

const KEYS = {
  /** The cache plan, once the caches were restored (or planned). */
  setup: 'setup',
  /** Set when the main step got to its end: a main step that failed counts as a failed job. */
  mainFinished: 'main-ok',
} as const;

export const savePostState = (state: PostState): void => core.saveState(KEYS.setup, JSON.stringify(state));

/** The cache plan, or undefined when the main step did not get as far as planning it. */
export function readPostState(): PostState | undefined {
  const raw = core.getState(KEYS.setup);
  return raw ? (JSON.parse(raw) as PostState) : undefined;
}

export const markMainFinished = (): void => core.saveState(KEYS.mainFinished, 'true');
export const mainFinished = (): boolean => core.getState(KEYS.mainFinished) === 'true';
