import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, expect, test } from '@jest/globals';
import { readDockerConfig, readRegistries, saveDockerConfig, saveRegistries } from '../src/state.js';

// The runner's round trip: main appends `key<<delimiter` blocks to GITHUB_STATE, post gets STATE_<key>.
const dir = mkdtempSync(join(tmpdir(), 'bpi-state-'));
const file = join(dir, 'state');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function handOver(): void {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^(.+?)<<(\S+)\n([\s\S]*?)\n\2$/gm)) process.env[`STATE_${m[1]}`] = m[3];
}

beforeEach(() => {
  writeFileSync(file, '');
  process.env.GITHUB_STATE = file;
  delete process.env.STATE_registries;
  delete process.env['STATE_docker-config'];
});

test('main saves the docker configuration and the registries; post reads them back', () => {
  saveDockerConfig('/tmp/runner/build-push-image-docker');
  saveRegistries(['ghcr.io', '123456789012.dkr.ecr.eu-west-1.amazonaws.com']);
  handOver();
  expect(readDockerConfig()).toBe('/tmp/runner/build-push-image-docker');
  expect(readRegistries()).toEqual(['ghcr.io', '123456789012.dkr.ecr.eu-west-1.amazonaws.com']);
});

test('a main step that stopped before its logins leaves nothing to clean up', () => {
  handOver();
  expect(readDockerConfig()).toBeUndefined();
  expect(readRegistries()).toEqual([]);
});
