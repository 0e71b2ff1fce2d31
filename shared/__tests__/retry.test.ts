import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from '@jest/globals';
import { fakeClock } from '../clock.js';
import { fetchWithRetry, HttpError } from '../http.js';
import { backoffDelay, parseRetryAfter, retry } from '../retry.js';

const quiet = { onRetry: () => {} };

describe('retry', () => {
  test('retries until success, sleeping a jittered exponential backoff on the injected clock', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await retry(
      async (attempt) => {
        calls++;
        if (attempt < 4) throw new Error(`boom ${attempt}`);
        return 'ok';
      },
      { label: 't', attempts: 5, baseDelayMs: 100, maxDelayMs: 10_000, clock, random: () => 1, ...quiet },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(clock.slept).toEqual([100, 200, 400]);
  });

  test('gives up after the last attempt with the last error', async () => {
    const clock = fakeClock();
    await expect(
      retry(
        async (attempt) => {
          throw new Error(`boom ${attempt}`);
        },
        { label: 't', attempts: 3, clock, ...quiet },
      ),
    ).rejects.toThrow('boom 3');
    expect(clock.slept).toHaveLength(2);
  });

  test('does not retry an error that is not retryable', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('bad request');
        },
        { label: 't', isRetryable: () => false, clock, ...quiet },
      ),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });

  test('honours the server wait (Retry-After) over its own backoff', async () => {
    const clock = fakeClock();
    let calls = 0;
    await retry(
      async () => {
        if (++calls === 1) throw new HttpError('slow down', 429, 7000);
        return 1;
      },
      { label: 't', baseDelayMs: 10, clock, retryAfterMs: (e) => (e as HttpError).retryAfterMs, ...quiet },
    );
    expect(clock.slept).toEqual([7000]);
  });

  test('stops before a wait that would cross the deadline', async () => {
    const clock = fakeClock(0);
    await expect(
      retry(
        async () => {
          throw new Error('down');
        },
        { label: 't', attempts: 10, baseDelayMs: 1000, deadline: 2500, clock, random: () => 1, ...quiet },
      ),
    ).rejects.toThrow('down');
    expect(clock.slept).toEqual([1000]);
  });

  test('logs each retry with its label', async () => {
    const lines: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => lines.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      await retry(
        async (attempt) => {
          if (attempt === 1) throw new Error('reset');
          return 1;
        },
        { label: 'push backend', clock: fakeClock(), random: () => 0 },
      );
    } finally {
      process.stdout.write = original;
    }
    expect(lines.join('')).toMatch(/push backend: attempt 1 of 5 failed \(reset\); retrying in \d+ms/);
  });

  test.each([
    [1, 100, 10_000, 0, 50],
    [1, 100, 10_000, 1, 100],
    [3, 100, 10_000, 1, 400],
    [20, 100, 10_000, 1, 10_000],
  ])('backoffDelay(attempt %i, base %i, max %i, random %f) = %i', (attempt, base, max, r, expected) => {
    expect(backoffDelay(attempt, base, max, () => r)).toBe(expected);
  });

  test.each([
    ['5', 5000],
    ['0.5', 500],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['soon', undefined],
    [null, undefined],
  ])('parseRetryAfter(%j)', (value, expected) => {
    expect(parseRetryAfter(value, Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(expected);
  });
});

describe('fetchWithRetry against a real flaky server', () => {
  test('retries 503 and 429 (with Retry-After) then returns the answer', async () => {
    const statuses = [503, 429, 200];
    const server = createServer((_req, res) => {
      const status = statuses.shift() ?? 500;
      res.writeHead(status, status === 429 ? { 'retry-after': '2' } : {}).end(status === 200 ? 'fine' : 'no');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const clock = fakeClock();
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetchWithRetry(
        `http://127.0.0.1:${port}/`,
        {},
        { label: 'get', clock, random: () => 1, ...quiet },
      );
      expect(await response.text()).toBe('fine');
      expect(clock.slept).toEqual([500, 2000]);
    } finally {
      server.close();
    }
  });

  test('does not retry a 404 and reports the status', async () => {
    let calls = 0;
    const server = createServer((_req, res) => {
      calls++;
      res.writeHead(404).end('missing');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await expect(
        fetchWithRetry(`http://127.0.0.1:${port}/x`, {}, { label: 'get', clock: fakeClock() }),
      ).rejects.toMatchObject({
        status: 404,
        message: 'GET /x answered 404',
      });
      expect(calls).toBe(1);
    } finally {
      server.close();
    }
  });
});
