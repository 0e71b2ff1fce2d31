/**
 * The runner's step-state round trip for unit tests of an action's `state.ts`: the main step appends
 * `key<<delimiter` blocks to the GITHUB_STATE file, the post step gets each as `STATE_<key>`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StepState {
  /** A fresh, empty state file for the next main step; no STATE_ variables. */
  reset(): void;
  /** What the runner does between main and post: the saved values become STATE_<key>. */
  handOver(): void;
  /** Removes the state file (afterAll). */
  remove(): void;
}

export function stepState(): StepState {
  const dir = mkdtempSync(join(tmpdir(), 'step-state-'));
  const file = join(dir, 'state');
  return {
    reset() {
      writeFileSync(file, '');
      process.env.GITHUB_STATE = file;
      for (const key of Object.keys(process.env)) if (key.startsWith('STATE_')) delete process.env[key];
    },
    handOver() {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(.+?)<<(\S+)\n([\s\S]*?)\n\2$/gm)) process.env[`STATE_${m[1]}`] = m[3];
    },
    remove() {
      delete process.env.GITHUB_STATE;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
