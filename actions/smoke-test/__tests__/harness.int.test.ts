/**
 * The built bundle as a process (test/harness.ts), against real HTTP and HTTPS servers on
 * 127.0.0.1. Intervals are tens of milliseconds; no assertion on wall-clock time.
 */
import { runAction } from '../../../test/harness.js';
import type { CheckReport } from '../src/report.js';
import { makePki, NEW_SHA, OLD_SHA, startServer, type TestPki, type TestServer } from './servers.js';

const PLANTED = 'planted-Secret-7f3a9c1e';
const FAST = { interval: '20ms', 'max-interval': '80ms', timeout: '2s', deadline: '15s' };

let server: TestServer;
let good: TestServer;
let expiring: TestServer;
let pki: TestPki;

beforeAll(async () => {
  pki = makePki();
  [server, good, expiring] = await Promise.all([startServer(), startServer(pki.good), startServer(pki.expiring)]);
});
afterAll(async () => {
  await Promise.all([server, good, expiring].map((s) => s?.close()));
});

const smoke = (inputs: Record<string, string>, secrets: string[] = [PLANTED]) =>
  runAction('smoke-test', { inputs: { ...FAST, ...inputs }, secrets, timeoutMs: 30_000 });
const reportOf = (outputs: Record<string, string>): Record<string, CheckReport> =>
  Object.fromEntries((JSON.parse(outputs.report!) as CheckReport[]).map((r) => [r.name, r]));

test('every expectation kind passes; the planted header secret reaches the server but no log, summary or output', async () => {
  const checks = `
defaults:
  headers: { Authorization: "Bearer ${PLANTED}" }
checks:
  - name: status set and range
    url: /health
    expect: { status: [200, "201-204"] }
  - name: status class
    url: /health
    expect: { status: 2xx }
  - name: header regex
    url: /health
    expect: { headers: { content-type: "^application/json", x-request-id: "^req-\\\\d+$" } }
  - name: body contains and regex
    url: /health
    expect: { body-contains: ['"status":"ok"', database], body-regex: '"uptime":\\s*\\d+' }
  - name: json path
    url: /health
    expect:
      json:
        - { path: $.status, equals: ok }
        - { path: $.uptime, equals: 12.5 }
        - { path: $.database, matches: "^(ok|not-configured)$" }
        - { path: $.uptime, exists: true }
        - { path: $.error, exists: false }
  - name: max latency
    url: /health
    expect: { max-latency: 5s }
  - name: missing page
    url: /nope
    expect: { status: 404, json: [{ path: $.error, equals: not found }] }
`;
  const result = await smoke({ checks, 'base-url': server.url });
  expect(result.exitCode).toBe(0);
  expect(result.outputs.passed).toBe('true');
  const report = reportOf(result.outputs);
  expect(Object.values(report).map((r) => r.result)).toEqual(Array(7).fill('passed'));
  expect(report['json path']).toMatchObject({ attempts: 1, lastStatus: 200, lastError: null });
  expect(report['json path']!.p50Ms).toEqual(expect.any(Number));
  expect(server.authorizations).toContain(`Bearer ${PLANTED}`);
  // One table row per check.
  for (const name of Object.keys(report)) expect(result.summary).toMatch(new RegExp(`\\| ${name} \\|`));
  expect(result.log).toContain(`::add-mask::Bearer ${PLANTED}`);
});

test('every expectation kind fails with what it saw; the check is named in an ::error annotation', async () => {
  const checks = `
- name: everything wrong
  url: ${server.url}/health
  failure-limit: 2
  expect:
    status: "201-204"
    headers: { content-type: xml, x-missing: . }
    body-contains: healthy
    body-regex: "down"
    json:
      - { path: $.status, equals: degraded }
      - { path: $.database, matches: "^replica" }
      - { path: $.pool, exists: true }
    max-latency: 0ms
`;
  const result = await smoke({ checks });
  expect(result.exitCode).toBe(1);
  expect(result.outputs.passed).toBe('false');
  expect(result.outputs['failed-checks']).toBe('everything wrong');
  const report = reportOf(result.outputs)['everything wrong']!;
  expect(report).toMatchObject({ result: 'failed', attempts: 2, failures: 2, lastStatus: 200 });
  for (const problem of [
    'status 200 is not 201-204',
    'header content-type "application/json" does not match /xml/',
    'header x-missing is missing',
    'body does not contain "healthy" (body: ',
    'body does not match /down/',
    '$.status is "ok", expected "degraded"',
    '$.database "ok" does not match /^replica/',
    '$.pool does not exist',
    'is over 0ms',
  ]) {
    expect(report.lastError).toContain(problem);
  }
  const error = result.annotations.find((a) => a.level === 'error' && a.title === 'smoke-test: everything wrong');
  expect(error?.message).toMatch(
    /^check "everything wrong" failed \(GET http:\/\/127\.0\.0\.1:\d+\/health\): failed 2 times \(failure-limit 2\)/,
  );
  expect(result.summary).toContain('❌ failed');
});

test('a response that reflects the secret is scrubbed from the report, the log and the annotation', async () => {
  const result = await smoke(
    {
      url: `${server.url}/echo`,
      headers: `Authorization=Bearer ${PLANTED}\nX-Api-Key=${PLANTED}-key`,
      'failure-limit': '1',
    },
    [PLANTED, `${PLANTED}-key`],
  );
  expect(result.exitCode).toBe(1);
  const report = Object.values(reportOf(result.outputs))[0]!;
  expect(report.lastError).toContain('status 500 is not 2xx');
});

test('expect-version waits while the old version answers, then needs consecutive passes of the new one', async () => {
  const checks = `
defaults: { consecutive-successes: 2 }
checks:
  - name: version (json)
    url: ${server.url}/version?old=3
    version: { json-path: $.commit }
  - name: version (header, short sha)
    url: ${server.url}/version
    version: { header: X-App-Version }
  - name: health
    url: ${server.url}/health
`;
  const result = await smoke({ checks, 'expect-version': NEW_SHA, 'failure-limit': '1' });
  expect(result.exitCode).toBe(0);
  const report = reportOf(result.outputs);
  expect(report['version (json)']).toMatchObject({
    result: 'passed',
    waits: 3,
    failures: 0,
    attempts: 5,
    version: NEW_SHA,
  });
  expect(report['version (header, short sha)']).toMatchObject({ result: 'passed', version: NEW_SHA.slice(0, 7) });
  expect(result.log).toContain(`still version "${OLD_SHA}", waiting for "${NEW_SHA}"`);
  expect(result.summary).toContain('waited through 3 responses of another version');
});

test('a still-running old version cannot pass: the deadline fails it, naming the version it saw', async () => {
  const result = await smoke({
    url: `${server.url}/version?old=100000`,
    'version-from': 'json-path:$.commit',
    'expect-version': NEW_SHA,
    deadline: '400ms',
  });
  expect(result.exitCode).toBe(1);
  const report = Object.values(reportOf(result.outputs))[0]!;
  expect(report.reason).toMatch(/^deadline of 400ms reached after \d+ attempts; last: still version "fedcba9/);
  expect(report.failures).toBe(0);
});

test('a flapping endpoint passes only after enough consecutive successes', async () => {
  const result = await smoke({
    checks: `- name: flapping\n  url: ${server.url}/flap?p=200,500,200,200,503,200,200,200\n  consecutive-successes: 3\n  failure-limit: 3`,
  });
  expect(result.exitCode).toBe(0);
  expect(reportOf(result.outputs).flapping).toMatchObject({ result: 'passed', attempts: 8, failures: 2 });

  const limited = await smoke({
    checks: `- name: flapping\n  url: ${server.url}/flap?p=200,500,200,500,200,500\n  consecutive-successes: 2\n  failure-limit: 3`,
  });
  expect(reportOf(limited.outputs).flapping).toMatchObject({ result: 'failed', attempts: 6, failures: 3 });
});

test('network faults are reported per check with their real cause', async () => {
  const one = (url: string, extra: Record<string, string> = {}) => smoke({ url, 'failure-limit': '2', ...extra });
  const [refused, dns, closed, timeout] = await Promise.all([
    one('http://127.0.0.1:1/health'),
    one('http://no-such-host.invalid/health'),
    one(`${server.url}/close`),
    one(`${server.url}/hang`, { timeout: '150ms' }),
  ]);
  const error = (r: typeof refused) => Object.values(reportOf(r.outputs))[0]!.lastError;
  expect(error(refused)).toBe('connection refused by 127.0.0.1:1 (ECONNREFUSED)');
  expect(error(dns)).toMatch(/^DNS lookup of no-such-host\.invalid failed.*\((ENOTFOUND|EAI_AGAIN)\)/);
  expect(error(closed)).toMatch(
    /^connection to 127\.0\.0\.1:\d+ was reset or closed before a full response \(ECONNRESET/,
  );
  expect(error(timeout)).toBe('timed out after 150ms waiting for the response');
  for (const r of [refused, dns, closed, timeout]) {
    expect(r.exitCode).toBe(1);
    expect(r.annotations.some((a) => a.level === 'error' && /^check ".*" failed/.test(a.message))).toBe(true);
  }
});

test('the deadline stops a slow check and says what the last attempt saw', async () => {
  const result = await smoke({
    url: `${server.url}/slow?ms=300`,
    timeout: '100ms',
    deadline: '350ms',
    'failure-limit': '0',
  });
  expect(result.exitCode).toBe(1);
  const report = Object.values(reportOf(result.outputs))[0]!;
  expect(report.reason).toMatch(
    /^deadline of 350ms reached after \d+ attempts?; last: timed out after \d+ms waiting for the response/,
  );
});

describe('TLS', () => {
  test('a custom CA bundle is trusted; certificate days are reported', async () => {
    const result = await smoke({ url: `${good.url}/health`, 'ca-file': pki.caFile, 'min-cert-days': '30' });
    expect(result.exitCode).toBe(0);
    const report = Object.values(reportOf(result.outputs))[0]!;
    expect(report.certificateDaysLeft).toBeGreaterThan(300);
  });

  test('without the CA the handshake fails at once with its real cause', async () => {
    const result = await smoke({ url: `${good.url}/health`, 'failure-limit': '5' });
    expect(result.exitCode).toBe(1);
    const report = Object.values(reportOf(result.outputs))[0]!;
    expect(report.attempts).toBe(1);
    expect(report.lastError).toMatch(
      /^TLS handshake with 127\.0\.0\.1:\d+ failed: .*\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/,
    );
  });

  test('skip-verify only when asked, with a warning', async () => {
    const result = await smoke({ url: `${good.url}/health`, 'insecure-skip-verify': 'true' });
    expect(result.exitCode).toBe(0);
    expect(result.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: expect.stringContaining('TLS certificate verification is off'),
      }),
    );
  });

  test('a certificate expiring sooner than min-cert-days fails', async () => {
    const result = await smoke({ url: `${expiring.url}/health`, 'ca-file': pki.caFile, 'min-cert-days': '14' });
    expect(result.exitCode).toBe(1);
    const report = Object.values(reportOf(result.outputs))[0]!;
    expect(report.reason).toMatch(
      /^the certificate of 127\.0\.0\.1:\d+ expires in 1(\.\d)? days \(.*\), under min-cert-days 14$/,
    );
  });
});

test('bad input fails before any request, naming the input', async () => {
  const before = server.hits.get('*') ?? 0;
  const result = await smoke({
    checks: `- name: api\n  url: ${server.url}/health\n  expect: { status: "299-200" }\n- name: b\n  url: ${server.url}/health\n  colour: red`,
  });
  expect(result.exitCode).toBe(1);
  const failure = result.annotations.find((a) => a.level === 'error')!.message;
  expect(failure.split('\n')).toEqual([
    'checks: check "api": expect.status: status range "299-200" is impossible (299 > 200)',
    expect.stringMatching(/^checks: check "b": unknown key "colour"; expected a YAML list of checks/),
  ]);
  expect(server.hits.get('*') ?? 0).toBe(before);
});
