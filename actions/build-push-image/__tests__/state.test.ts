import { afterAll, beforeEach, expect, test } from '@jest/globals';
import { stepState } from '../../../test/step-state.js';
import { readDockerConfig, readRegistries, saveDockerConfig, saveRegistries } from '../src/state.js';

const state = stepState();
beforeEach(() => state.reset());
afterAll(() => state.remove());

test('main saves the docker configuration and the registries; post reads them back', () => {
  saveDockerConfig('/tmp/runner/build-push-image-docker');
  saveRegistries(['ghcr.io', '123456789012.dkr.ecr.eu-west-1.amazonaws.com']);
  state.handOver();
  expect(readDockerConfig()).toBe('/tmp/runner/build-push-image-docker');
  expect(readRegistries()).toEqual(['ghcr.io', '123456789012.dkr.ecr.eu-west-1.amazonaws.com']);
});

test('a main step that stopped before its logins leaves nothing to clean up', () => {
  state.handOver();
  expect(readDockerConfig()).toBeUndefined();
  expect(readRegistries()).toEqual([]);
});
