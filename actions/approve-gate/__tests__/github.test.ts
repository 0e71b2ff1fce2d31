import { describe, expect, test } from '@jest/globals';
import { isRetryableApiError, retryAfterMs } from '../src/github.js';

/** An Octokit RequestError as far as the gate reads one. */
const apiError = (status: number, headers: Record<string, string> = {}, message = '') => ({
  status,
  message,
  response: { headers, data: { message } },
});

const NOW = Date.parse('2026-12-01T23:00:00Z');

describe('which GitHub failures the gate waits out', () => {
  test.each([
    [apiError(500), true],
    [apiError(502), true],
    [apiError(408), true],
    [apiError(429), true],
    [apiError(403, { 'retry-after': '30' }), true],
    [apiError(403, { 'x-ratelimit-remaining': '0' }), true],
    [apiError(403, {}, 'You have exceeded a secondary rate limit'), true],
    [apiError(403, {}, 'Resource not accessible by integration'), false],
    [apiError(404), false],
    [apiError(422), false],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    [new Error('no code'), false],
  ])('%j -> retryable %s', (error, expected) => {
    expect(isRetryableApiError(error)).toBe(expected);
  });
});

describe('how long the gate waits before the next attempt', () => {
  test.each([
    ['Retry-After in seconds', apiError(429, { 'retry-after': '7' }), 7_000],
    // RFC 9110 allows an HTTP date; the gate used to fall back to a minute on one.
    ['Retry-After as an HTTP date', apiError(403, { 'retry-after': 'Tue, 01 Dec 2026 23:00:45 GMT' }), 45_000],
    [
      'primary limit: until x-ratelimit-reset, plus a second',
      apiError(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 20) }),
      21_000,
    ],
    ['secondary limit without a header: a minute', apiError(403, {}, 'secondary rate limit'), 60_000],
    ['a 500: the backoff decides', apiError(500), undefined],
  ])('%s', (_, error, expected) => {
    expect(retryAfterMs(error, NOW)).toBe(expected);
  });
});
