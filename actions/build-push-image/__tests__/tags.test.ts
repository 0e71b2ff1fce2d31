import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { deriveTags, type EventContext, ociLabels, parseSemver } from '../src/tags.js';

const events = join(import.meta.dirname, 'fixtures/events');
const payload = (file: string) => JSON.parse(readFileSync(join(events, file), 'utf8')) as Record<string, unknown>;

const MERGE_SHA = 'e5f60718293a4b5c6d7e8f9012345678a1b2c3d4';
const PR_HEAD = 'd4e5f60718293a4b5c6d7e8f9012345678a1b2c3';

const contexts: Record<string, EventContext> = {
  'push to main': {
    eventName: 'push',
    ref: 'refs/heads/main',
    sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    payload: payload('push-main.json'),
  },
  'push to a feature branch': {
    eventName: 'push',
    ref: 'refs/heads/feature/Login_Page#2',
    sha: 'b2c3d4e5f60718293a4b5c6d7e8f9012345678a1',
    payload: payload('push-feature.json'),
  },
  'tag v1.2.3': {
    eventName: 'push',
    ref: 'refs/tags/v1.2.3',
    sha: 'c3d4e5f60718293a4b5c6d7e8f9012345678a1b2',
    payload: payload('push-tag.json'),
  },
  'pull request (GITHUB_SHA is the merge commit)': {
    eventName: 'pull_request',
    ref: 'refs/pull/42/merge',
    sha: MERGE_SHA,
    payload: payload('pull-request.json'),
  },
  'workflow_dispatch on a release branch': {
    eventName: 'workflow_dispatch',
    ref: 'refs/heads/release/2024.05',
    sha: 'f60718293a4b5c6d7e8f9012345678a1b2c3d4e5',
    payload: payload('workflow-dispatch.json'),
  },
};

describe('tag derivation from recorded event payloads', () => {
  test.each([
    ['push to main', {}, ['main', 'latest', 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', 'sha-a1b2c3d'], 'main'],
    [
      'push to a feature branch',
      {},
      ['feature-Login_Page-2', 'b2c3d4e5f60718293a4b5c6d7e8f9012345678a1', 'sha-b2c3d4e'],
      'feature-Login_Page-2',
    ],
    ['tag v1.2.3', {}, ['1.2.3', '1.2', '1', 'c3d4e5f60718293a4b5c6d7e8f9012345678a1b2', 'sha-c3d4e5f'], '1.2.3'],
    ['pull request (GITHUB_SHA is the merge commit)', {}, ['pr-42', PR_HEAD, 'sha-d4e5f60'], 'pr-42'],
    [
      'workflow_dispatch on a release branch',
      {},
      ['release-2024.05', 'f60718293a4b5c6d7e8f9012345678a1b2c3d4e5', 'sha-f607182'],
      'release-2024.05',
    ],
    [
      'push to main',
      { prefix: 'backend-', custom: ['stable'] },
      [
        'backend-main',
        'backend-latest',
        'backend-a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
        'backend-sha-a1b2c3d',
        'backend-stable',
      ],
      'main',
    ],
    [
      'push to main',
      { latest: 'false' as const },
      ['main', 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', 'sha-a1b2c3d'],
      'main',
    ],
    [
      'push to a feature branch',
      { defaultBranch: 'feature/Login_Page#2' },
      ['feature-Login_Page-2', 'latest', 'b2c3d4e5f60718293a4b5c6d7e8f9012345678a1', 'sha-b2c3d4e'],
      'feature-Login_Page-2',
    ],
    [
      'pull request (GITHUB_SHA is the merge commit)',
      { latest: 'auto' as const, custom: ['preview'] },
      ['pr-42', PR_HEAD, 'sha-d4e5f60', 'preview'],
      'pr-42',
    ],
  ])('%s %j', (event, options, tags, version) => {
    const derived = deriveTags(contexts[event]!, options);
    expect(derived.tags).toEqual(tags);
    expect(derived.version).toBe(version);
    expect(derived.tags).not.toContain(MERGE_SHA);
  });

  test('a pull request builds and labels the head commit, never the merge commit', () => {
    const context = {
      ...contexts['pull request (GITHUB_SHA is the merge commit)']!,
      serverUrl: 'https://github.com',
      repository: 'org/example',
    };
    const derived = deriveTags(context);
    expect(derived.revision).toBe(PR_HEAD);
    const labels = ociLabels(context, derived, { title: 'backend', created: new Date('2024-05-01T00:00:00Z') });
    expect(labels).toEqual({
      'org.opencontainers.image.source': 'https://github.com/org/example',
      'org.opencontainers.image.revision': PR_HEAD,
      'org.opencontainers.image.created': '2024-05-01T00:00:00.000Z',
      'org.opencontainers.image.version': 'pr-42',
      'org.opencontainers.image.title': 'backend',
    });
  });

  test.each([
    ['refs/tags/v2.0.0-rc.1', ['2.0.0-rc.1']],
    ['refs/tags/v0.3.1', ['0.3.1', '0.3']],
    ['refs/tags/1.4.0', ['1.4.0', '1.4', '1']],
    ['refs/tags/nightly', ['nightly']],
  ])('git tag %s gives %j', (ref, tags) => {
    const derived = deriveTags({
      eventName: 'push',
      ref,
      sha: 'abcdef1234567890abcdef1234567890abcdef12',
      payload: {},
    });
    expect(derived.tags).toEqual([...tags, 'abcdef1234567890abcdef1234567890abcdef12', 'sha-abcdef1']);
  });

  test.each([
    ['v1.2.3', { major: '1', minor: '2', patch: '3', prerelease: undefined }],
    ['1.2', undefined],
    ['v01.2.3', undefined],
  ])('parseSemver(%s)', (text, expected) => {
    expect(parseSemver(text)).toEqual(expected);
  });
});
