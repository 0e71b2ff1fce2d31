import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, expect, test } from '@jest/globals';
import { mainFinished, markMainFinished, type PostState, readPostState, savePostState } from '../src/state.js';

// The runner's round trip: main appends `key<<delimiter` blocks to GITHUB_STATE, post gets STATE_<key>.
const dir = mkdtempSync(join(tmpdir(), 'setup-state-'));
const file = join(dir, 'state');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function handOver(): void {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^(.+?)<<(\S+)\n([\s\S]*?)\n\2$/gm)) process.env[`STATE_${m[1]}`] = m[3];
}

beforeEach(() => {
  writeFileSync(file, '');
  process.env.GITHUB_STATE = file;
  for (const key of Object.keys(process.env)) if (key.startsWith('STATE_')) delete process.env[key];
});

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
  handOver();
  expect(readPostState()).toEqual(plan);
  expect(mainFinished()).toBe(true);
});

test('a main step that failed early: no plan, not finished', () => {
  handOver();
  expect(readPostState()).toBeUndefined();
  expect(mainFinished()).toBe(false);
});
