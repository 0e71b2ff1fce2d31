import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../../shared/errors.js';
import { registerSecret } from '../../../shared/secrets.js';
import { type Check, type CheckOutcome, runChecks, type Send } from '../src/engine.js';
import {
  type Expectations,
  evaluate,
  parseJsonPath,
  parseStatusSet,
  type Response,
  resolveJsonPath,
  type StatusSet,
  snippet,
  versionMatches,
} from '../src/expect.js';
import { getInputs } from '../src/inputs.js';
import { percentile } from '../src/report.js';
import { virtualClock } from './support.js';

describe('status sets', () => {
  test.each([
    ['200', 200, true],
    ['200', 201, false],
    ['2xx', 299, true],
    ['2xx', 300, false],
    ['200-204', 204, true],
    ['200-204', 205, false],
    ['200, 301-302, 4xx', 404, true],
  ])('%s accepts %i: %s', (spec, status, accepted) => {
    const set = parseStatusSet(spec) as StatusSet;
    expect(set.ranges.some(([low, high]) => status >= low && status <= high)).toBe(accepted);
  });

  test.each([
    ['204-200', 'impossible'],
    ['6xx', 'not a status'],
    ['99', 'not a status'],
    ['600', 'outside'],
    ['abc', 'not a status'],
    ['', 'empty'],
  ])('%j is refused (%s)', (spec, problem) => {
    expect(parseStatusSet(spec)).toEqual(expect.stringContaining(problem));
  });
});

describe('JSON paths', () => {
  const doc = { a: { b: [1, { c: 'x' }] }, 'odd key': true, list: [1, 2, 3] };
  test.each([
    ['$.a.b[1].c', 'x'],
    ['a.b[0]', 1],
    ["$['odd key']", true],
    ['$.list[-1]', 3],
    ['$', doc],
  ])('%s', (path, value) => {
    expect(resolveJsonPath(doc, parseJsonPath(path) as never)).toEqual({ found: true, value });
  });
  test.each(['$.a.missing', '$.list[7]', '$.a.b.c'])('%s is not found', (path) => {
    expect(resolveJsonPath(doc, parseJsonPath(path) as never).found).toBe(false);
  });
  test.each(['$.', '$.a[', '$..a', "$['x"])('%s is invalid', (path) => {
    expect(typeof parseJsonPath(path)).toBe('string');
  });
});

const base: Expectations = {
  status: parseStatusSet('2xx') as StatusSet,
  headers: [],
  bodyContains: [],
  bodyRegex: [],
  json: [],
};
const response: Response = {
  status: 200,
  headers: { 'content-type': 'application/json', 'x-version': '1.2.3' },
  body: JSON.stringify({ status: 'ok', commit: '0123456789abcdef', db: { latency: 3 } }),
  latencyMs: 40,
};
const path = (p: string) => parseJsonPath(p) as never;

describe('expectations', () => {
  test.each<[string, Partial<Expectations>, boolean, string]>([
    ['status set passes', { status: parseStatusSet([200, '3xx']) as StatusSet }, true, ''],
    ['status set fails', { status: parseStatusSet('201-204') as StatusSet }, false, 'status 200 is not 201-204'],
    ['header regex passes', { headers: [{ name: 'content-type', regex: /^application\/json/ }] }, true, ''],
    ['header regex fails', { headers: [{ name: 'content-type', regex: /xml/ }] }, false, 'does not match /xml/'],
    ['missing header fails', { headers: [{ name: 'x-nope', regex: /./ }] }, false, 'header x-nope is missing'],
    ['body contains passes', { bodyContains: ['"ok"'] }, true, ''],
    ['body contains fails', { bodyContains: ['healthy'] }, false, 'body does not contain "healthy"'],
    ['body regex passes', { bodyRegex: [/"status":\s*"ok"/] }, true, ''],
    ['body regex fails', { bodyRegex: [/down/] }, false, 'body does not match /down/'],
    ['json equals passes', { json: [{ path: path('$.status'), kind: 'equals', value: 'ok' }] }, true, ''],
    [
      'json equals (object) passes',
      { json: [{ path: path('$.db'), kind: 'equals', value: { latency: 3 } }] },
      true,
      '',
    ],
    [
      'json equals fails',
      { json: [{ path: path('$.status'), kind: 'equals', value: 'down' }] },
      false,
      '$.status is "ok", expected "down"',
    ],
    ['json matches passes', { json: [{ path: path('$.commit'), kind: 'matches', regex: /^[0-9a-f]+$/ }] }, true, ''],
    [
      'json matches fails',
      { json: [{ path: path('$.commit'), kind: 'matches', regex: /^v\d/ }] },
      false,
      'does not match /^v\\d/',
    ],
    ['json exists passes', { json: [{ path: path('$.db.latency'), kind: 'exists', exists: true }] }, true, ''],
    [
      'json exists fails',
      { json: [{ path: path('$.db.pool'), kind: 'exists', exists: true }] },
      false,
      '$.db.pool does not exist',
    ],
    ['json absent passes', { json: [{ path: path('$.error'), kind: 'exists', exists: false }] }, true, ''],
    ['max latency passes', { maxLatencyMs: 100 }, true, ''],
    ['max latency fails', { maxLatencyMs: 10 }, false, 'latency 40ms is over 10ms'],
    [
      'version (json) passes, short sha',
      { version: { source: { kind: 'json-path', path: path('$.commit') }, expected: '0123456' } },
      true,
      '',
    ],
    [
      'version (header) passes',
      { version: { source: { kind: 'header', name: 'X-Version' }, expected: '1.2.3' } },
      true,
      '',
    ],
    [
      'version (header) waits',
      { version: { source: { kind: 'header', name: 'X-Version' }, expected: '1.2.4' } },
      false,
      'still version "1.2.3", waiting for "1.2.4"',
    ],
  ])('%s', (_, expectations, ok, problem) => {
    const verdict = evaluate({ ...base, ...expectations }, response);
    expect(verdict.ok).toBe(ok);
    if (problem) expect(verdict.problems.join('\n')).toContain(problem);
  });

  test('another version is a wait, an unreadable one a failure', () => {
    const wait = evaluate(
      { ...base, version: { source: { kind: 'header', name: 'x-version' }, expected: '2.0.0' } },
      response,
    );
    expect(wait.otherVersion).toBe(true);
    const missing = evaluate(
      { ...base, version: { source: { kind: 'header', name: 'x-build' }, expected: '2.0.0' } },
      response,
    );
    expect(missing).toMatchObject({ ok: false, otherVersion: false });
  });

  test.each([
    ['0123456789abcdef0123456789abcdef01234567', '0123456', true],
    ['0123456', '0123456789abcdef0123456789abcdef01234567', true],
    ['012345', '0123456789', false],
    ['1.2.3', '1.2', false],
    [' 1.2.3 ', '1.2.3', true],
  ])('version %s vs %s: %s', (seen, expected, ok) => expect(versionMatches(seen, expected)).toBe(ok));

  test('snippets are cut and scrubbed', () => {
    registerSecret('planted-snippet-secret');
    const text = snippet(
      `{"token":"abc123xyz","note":"planted-snippet-secret","password": "hunter22", "auth":"Bearer eyJhbGciOi.x.y"}${'x'.repeat(500)}`,
    );
    expect(text).not.toMatch(/abc123xyz|planted-snippet-secret|hunter22|eyJhbGciOi/);
    expect(text.length).toBeLessThanOrEqual(123);
    expect(text.endsWith('...')).toBe(true);
  });

  test('percentiles', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        95,
      ),
    ).toBe(95);
  });
});

describe('inputs', () => {
  const read = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? '';
  const problem = (inputs: Record<string, string>): string => {
    try {
      getInputs(read(inputs), tmpdir());
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      return (error as Error).message;
    }
    throw new Error('no ConfigurationError');
  };

  test.each<[string, Record<string, string>, RegExp]>([
    ['malformed YAML', { checks: '- name: a\n  url: [unclosed' }, /^checks: is not valid YAML/],
    [
      'unknown key, naming the check',
      { checks: '- name: api\n  url: http://x/\n  retries: 3' },
      /^checks: check "api": unknown key "retries"/,
    ],
    [
      'unknown expect key',
      { checks: '- name: api\n  url: http://x/\n  expect: { stauts: 200 }' },
      /^checks: check "api": expect: unknown key "stauts"/,
    ],
    [
      'unknown top-level key',
      { checks: 'defaults: {}\nchecks: [{url: "http://x/"}]\nextra: 1' },
      /^checks: unknown top-level key "extra"/,
    ],
    [
      'unknown defaults key',
      { checks: 'defaults: { retry: 1 }\nchecks: [{url: "http://x/"}]' },
      /^checks: defaults: unknown key "retry"/,
    ],
    [
      'invalid URL',
      { checks: '- name: api\n  url: "http//nope"' },
      /^checks: check "api": url: "http\/\/nope" is not a valid URL/,
    ],
    ['relative URL without base-url', { checks: '- name: api\n  url: /health' }, /a relative URL needs base-url/],
    ['unsupported protocol', { checks: '- name: api\n  url: ftp://x/' }, /protocol ftp: is not supported/],
    [
      'invalid regex',
      { checks: '- name: api\n  url: http://x/\n  expect: { body-regex: "(" }' },
      /^checks: check "api": expect\.body-regex: regex "\(" is not valid/,
    ],
    [
      'invalid JSON path',
      { checks: '- name: api\n  url: http://x/\n  expect: { json: [{ path: "$.a[", exists: true }] }' },
      /check "api": expect\.json\.0\.path: JSON path "\$\.a\[" is not valid/,
    ],
    [
      'impossible range',
      { checks: '- name: api\n  url: http://x/\n  expect: { status: "204-200" }' },
      /check "api": expect\.status: status range "204-200" is impossible/,
    ],
    [
      'two json matchers',
      { checks: '- name: api\n  url: http://x/\n  expect: { json: [{ path: $.a, exists: true, equals: 1 }] }' },
      /needs exactly one of equals, matches, exists/,
    ],
    [
      'bad duration',
      { checks: '- name: api\n  url: http://x/\n  timeout: soon' },
      /check "api": timeout: "soon" is not a duration/,
    ],
    [
      'deadline shorter than initial delay',
      { url: 'http://x/', 'initial-delay': '30s', deadline: '10s' },
      /^deadline: 10000ms is not longer than the initial delay \(30000ms\)/,
    ],
    [
      'deadline in defaults',
      { checks: 'defaults: { initial-delay: 1m, deadline: 30s }\nchecks: [{url: "http://x/"}]' },
      /^checks: defaults\.deadline: /,
    ],
    [
      'duplicate names',
      { checks: '- { name: a, url: "http://x/" }\n- { name: a, url: "http://y/" }' },
      /check "a": name is used by another check/,
    ],
    ['no checks', {}, /^checks: no checks given/],
    ['two sources', { url: 'http://x/', checks: '- url: http://x/' }, /^checks, url: given together/],
    [
      'expect-version without a version source',
      { url: 'http://x/', 'expect-version': 'abc1234' },
      /^expect-version: is set but no check says where/,
    ],
    ['bad version-from', { url: 'http://x/', 'version-from': 'body' }, /^version-from: "body" is not valid/],
    ['missing CA file', { url: 'https://x/', 'ca-file': 'nope/ca.pem' }, /^ca-file: .*nope\/ca\.pem does not exist/],
    ['missing checks file', { 'checks-file': 'nope.yml' }, /^checks-file: .*nope\.yml does not exist/],
  ])('%s', (_, inputs, message) => {
    expect(problem(inputs)).toMatch(message);
  });

  test('every problem of a document is reported, each line naming the input', () => {
    const message = problem({
      checks: '- name: a\n  url: http://x/\n  bogus: 1\n- name: b\n  url: http://x/\n  expect: { status: 7xx }',
    });
    expect(message.split('\n')).toEqual([
      expect.stringMatching(/^checks: check "a": unknown key "bogus"/),
      expect.stringMatching(/^checks: check "b": expect\.status: status "7xx"/),
    ]);
  });

  test('precedence: check > defaults > inputs > built-in, and a checks file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smoke-'));
    writeFileSync(
      join(dir, 'checks.yml'),
      'defaults:\n  timeout: 3s\n  expect-version: abc1234\nchecks:\n  - name: a\n    url: /health\n    timeout: 1s\n  - name: b\n    url: /version\n    version: { json-path: $.commit }\n    body: { x: 1 }\n',
    );
    const plan = getInputs(
      read({
        'checks-file': 'checks.yml',
        'base-url': 'https://user:pw-secret-1@app.example/',
        interval: '250ms',
        timeout: '9s',
      }),
      dir,
    );
    const [a, b] = plan.checks as [Check, Check];
    expect([a.timeoutMs, b.timeoutMs, a.intervalMs, a.failureLimit]).toEqual([1000, 3000, 250, 5]);
    expect(b.url.href).toBe('https://user:pw-secret-1@app.example/version');
    expect(b.expect.version).toMatchObject({ expected: 'abc1234', source: { kind: 'json-path' } });
    expect([b.method, b.body, b.headers['content-type']]).toEqual(['POST', '{"x":1}', 'application/json']);
  });

  test('version: without expect-version (the same checks in a rollback): no version wait, the check is listed', () => {
    const plan = getInputs(
      read({ checks: '- { name: v, url: "http://x/", version: { header: x-version } }' }),
      tmpdir(),
    );
    expect(plan.checks[0]!.expect.version).toBeUndefined();
    expect(plan.unversioned).toEqual(['v']);
  });
});

describe('engine (virtual time)', () => {
  const check = (over: Partial<Check> = {}): Check => ({
    name: 'c',
    url: new URL('http://x/'),
    method: 'GET',
    headers: {},
    timeoutMs: 1000,
    intervalMs: 1000,
    maxIntervalMs: 8000,
    consecutiveSuccesses: 1,
    failureLimit: 0,
    insecureSkipVerify: false,
    minCertDays: 0,
    expect: base,
    ...over,
  });
  /** A server scripted per check: one status (or an error) per attempt, the last one repeats. */
  const scripted =
    (
      clock: ReturnType<typeof virtualClock>,
      scripts: Record<string, (number | string | Error)[]>,
      latency = 100,
    ): Send =>
    async (c) => {
      const script = scripts[c.name]!;
      const step = script.length > 1 ? script.shift()! : script[0]!;
      await clock.sleep(latency);
      if (step instanceof Error) throw step;
      return typeof step === 'number'
        ? { status: step, headers: {}, body: '', latencyMs: latency }
        : { status: 200, headers: { 'x-version': step }, body: '', latencyMs: latency };
    };
  const run = async (
    checks: Check[],
    scripts: Record<string, (number | string | Error)[]>,
    options: Partial<Parameters<typeof runChecks>[1]> = {},
  ) => {
    const clock = virtualClock();
    const outcomes = await runChecks(checks, {
      clock,
      random: () => 0.5,
      concurrency: 8,
      initialDelayMs: 0,
      deadlineMs: 60_000,
      send: scripted(clock, scripts),
      ...options,
    });
    return { outcomes, clock };
  };

  test('a flapping endpoint needs consecutive successes: each failure starts over', async () => {
    const { outcomes } = await run([check({ consecutiveSuccesses: 3 })], {
      c: [200, 200, 500, 200, 500, 200, 200, 200],
    });
    expect(outcomes[0]).toMatchObject({ result: 'passed', attempts: 8, failures: 2, consecutive: 3 });
  });

  test('the failure limit ends a check for good and stops the others', async () => {
    const { outcomes } = await run([check({ failureLimit: 3 }), check({ name: 'slow', consecutiveSuccesses: 100 })], {
      c: [503],
      slow: [200],
    });
    expect(outcomes[0]).toMatchObject({ result: 'failed', attempts: 3, failures: 3 });
    expect(outcomes[0]!.reason).toMatch(/failed 3 times \(failure-limit 3\): status 503 is not 2xx/);
    expect(outcomes[1]).toMatchObject({ result: 'stopped' });
  });

  test('backoff doubles from the interval up to max-interval after failures, the interval after passes', async () => {
    const { clock } = await run([check({ consecutiveSuccesses: 2 })], { c: [500, 500, 500, 500, 500, 200, 200] });
    // random 0.5: 3/4 of each ceiling (1s, 2s, 4s, 8s, 8s), then the interval after the first pass.
    expect(clock.slept.filter((ms) => ms !== 100)).toEqual([750, 1500, 3000, 6000, 6000, 1000]);
  });

  test('the deadline ends a check that cannot pass, counting from before the initial delay', async () => {
    const { outcomes, clock } = await run([check()], { c: [500] }, { deadlineMs: 10_000, initialDelayMs: 2000 });
    expect(outcomes[0]).toMatchObject({ result: 'failed' });
    expect(outcomes[0]!.reason).toMatch(/^deadline of 10s reached after \d+ attempts; last: status 500 is not 2xx/);
    expect(clock.slept[0]).toBe(2000);
    expect(clock.now()).toBeLessThanOrEqual(10_000);
  });

  test('another version answering is a wait, not a failure, until the new one shows', async () => {
    const versioned = check({
      failureLimit: 2,
      consecutiveSuccesses: 2,
      expect: { ...base, version: { source: { kind: 'header', name: 'x-version' }, expected: 'v2' } },
    });
    const { outcomes } = await run([versioned], { c: ['v1', 'v1', 'v1', 'v1', 'v2', 'v1', 'v2', 'v2'] });
    expect(outcomes[0]).toMatchObject({ result: 'passed', attempts: 8, failures: 0, waits: 5, version: 'v2' });
  });

  test('an old version that never goes away fails at the deadline with what it saw', async () => {
    const versioned = check({
      expect: { ...base, version: { source: { kind: 'header', name: 'x-version' }, expected: 'v2' } },
    });
    const { outcomes } = await run([versioned], { c: ['v1'] }, { deadlineMs: 20_000 });
    expect(outcomes[0]!.reason).toMatch(
      /deadline of 20s reached after \d+ attempts; last: still version "v1", waiting for "v2"/,
    );
  });

  test('all checks run concurrently, within the concurrency cap', async () => {
    const checks = Array.from({ length: 6 }, (_, i) => check({ name: `c${i}` }));
    const scripts = Object.fromEntries(checks.map((c) => [c.name, [200]]));
    const clock = virtualClock();
    let inFlight = 0;
    let most = 0;
    const send = scripted(clock, scripts);
    const outcomes: CheckOutcome[] = await runChecks(checks, {
      clock,
      concurrency: 2,
      initialDelayMs: 0,
      deadlineMs: 60_000,
      send: async (c, t, s) => {
        most = Math.max(most, ++inFlight);
        try {
          return await send(c, t, s);
        } finally {
          inFlight--;
        }
      },
    });
    expect(outcomes.every((o) => o.result === 'passed')).toBe(true);
    expect(most).toBe(2);
    expect(clock.now()).toBe(300); // three rounds of 100 ms, two at a time
  });

  test('certificate problems fail at once', async () => {
    const { outcomes } = await run(
      [check({ minCertDays: 30 })],
      { c: [200] },
      {
        send: async () => ({
          status: 200,
          headers: {},
          body: '',
          latencyMs: 1,
          certificate: { subject: 'x', validTo: 'soon', expiresAt: Date.now() + 2 * 86_400_000 },
        }),
      },
    );
    expect(outcomes[0]).toMatchObject({ result: 'failed', attempts: 1 });
    expect(outcomes[0]!.reason).toMatch(/expires in (1\.9|2) days .* under min-cert-days 30/);
  });
});
