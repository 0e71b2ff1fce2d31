import { afterAll, beforeEach, expect, test } from '@jest/globals';
import { stepState } from '../../../test/step-state.js';
import { mainFinished, markMainFinished, type PostState, readPostState, savePostState } from '../src/state.js';

const state = stepState();
beforeEach(() => state.reset());
afterAll(() => state.remove());

const plan: PostState = {
  backend: { kind: 'local', dir: '/cache', limitBytes: 1048576, timeoutMs: 600_000 },
  caches: [
    { id: 'pnpm-store', paths: ['/store'], key: 'v1-linux-x64-node24-pnpm10-abc', restoreKeys: [], hit: 'miss' },
  ],
  saveAllowed: true,
  saveOnFailure: false,
  pnpm: '/tools/pnpm',
  pathDirs: ['/tools'],
  cwd: '/work',
};

test('main hands the cache plan and its finish to the post step', () => {
  savePostState(plan);
  markMainFinished();
  state.handOver();
  expect(readPostState()).toEqual(plan);
  expect(mainFinished()).toBe(true);
});

test('a main step that failed early: no plan, not finished', () => {
  state.handOver();
  expect(readPostState()).toBeUndefined();
  expect(mainFinished()).toBe(false);
});
