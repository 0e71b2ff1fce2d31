/**
 * Issue 19, done-when: every known workflow-command payload in every input of every action, and the
 * invalid values the issue lists, end in a non-zero exit that names the input, before any side
 * effect (no connection to a recording server, no child process: PATH holds only recording stubs),
 * and with no workflow command in the log that the runner would execute (test/commands.ts).
 * NUL cannot be planted: the runner passes inputs as environment variables, which cannot hold it
 * (the unit tests of shared/inputs.ts and shared/log.ts cover it).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { forgedCommands, PAYLOADS } from './commands.js';
import { ROOT, type RunResult, runAction } from './harness.js';

const STUBS = [
  'docker',
  'git',
  'node',
  'npm',
  'npx',
  'pnpm',
  'corepack',
  'go',
  'tar',
  'psql',
  'pg_dump',
  'prisma',
  'sh',
];

let temp: string;
let stubs: string;
let marker: string;
let server: Server;
let connections = 0;
let recorder: string;

beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), 'injection-'));
  stubs = join(temp, 'bin');
  marker = join(temp, 'ran');
  mkdirSync(stubs);
  for (const name of STUBS) {
    writeFileSync(join(stubs, name), `#!/bin/sh\necho "${name} $*" >> '${marker}'\nexit 1\n`);
    chmodSync(join(stubs, name), 0o755);
  }
  // Any TCP connection is a side effect (HTTP, the AWS SDK, a PostgreSQL client); answer 401 fast.
  server = createServer((_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{}'));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  recorder = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A workspace in which the base inputs of every action are valid.
  writeFileSync(join(temp, 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(join(temp, 'package.json'), JSON.stringify({ name: 'w', packageManager: 'pnpm@10.0.0' }));
  writeFileSync(join(temp, 'pnpm-lock.yaml'), "lockfileVersion: '9.0'\n");
  mkdirSync(join(temp, 'prisma', 'migrations'), { recursive: true });
  writeFileSync(join(temp, 'prisma', 'schema.prisma'), 'datasource db { provider = "postgresql" }\n');
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(temp, { recursive: true, force: true });
});

interface ActionCase {
  /** Valid inputs that do reach a side effect (checked), to which a case adds its bad values. */
  base: () => Record<string, string>;
  env?: () => Record<string, string>;
  /** Inputs where a newline is a separator or part of the text (lists, Markdown): not refused for one. */
  multiline: string[];
  /** The invalid values the issue lists, each with the input its error must name. */
  invalid: [Record<string, string>, string][];
}

const ACTIONS: Record<string, ActionCase> = {
  'approve-gate': {
    base: () => ({ token: 'ghs_token', approvers: 'alice' }),
    env: () => ({ GITHUB_API_URL: `http://${recorder}`, GITHUB_REPOSITORY: 'org/example' }),
    multiline: ['body', 'migration-plan', 'lint-findings', 'smoke-results', 'labels'],
    invalid: [
      [{ token: 'ghs_first\nghs_second' }, 'token'],
      [{ 'commit-range': 'a....b' }, 'commit-range'],
    ],
  },
  'build-push-image': {
    base: () => ({ image: `RECORDER/org/app` }),
    multiline: [],
    invalid: [
      [{ registry: `RECORDER\n::stop-commands::INJtoken` }, 'registry'],
      [{ registry: 'https://ghcr.io' }, 'registry'],
      [{ 'registry-username': 'me\n::add-mask::INJ', 'registry-password': 'pw' }, 'registry-username'],
      [{ 'insecure-registries': 'bad host' }, 'insecure-registries'],
      [{ logins: `- {registry: "a.io\\n::set-output name=x::INJ", username: u, password: p}` }, 'logins'],
      [{ services: 'Bad Name!:\n  context: .' }, 'services'],
      [{ services: '__proto__:\n  context: .' }, 'services'],
      [{ services: 'app:\n  target: "a\\n::error::INJ"' }, 'services'],
      [{ services: 'app:\n  build-args: { A: "x\\n##[error]INJ" }' }, 'services'],
      [{ services: '"a\\n::set-output name=x::INJ":\n  context: .' }, 'services'],
    ],
  },
  'deploy-ecs': {
    base: () => ({ cluster: 'main', service: 'api', 'aws-region': 'us-east-1' }),
    env: () => ({
      AWS_ENDPOINT_URL: `http://${recorder}`,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'x',
    }),
    multiline: ['allow-plaintext-secrets'],
    invalid: [
      [{ timeout: '999999h' }, 'timeout'],
      [{ environment: 'DB_PASSWORD=hunter2-hunter2' }, 'environment'],
    ],
  },
  'prisma-migrate': {
    base: () => ({ 'database-url': `postgresql://u:p@RECORDER/db`, mode: 'status', 'prisma-command': 'npx prisma' }),
    multiline: [],
    invalid: [
      [{ 'database-url': '', 'database-secret-id': 'prod/db', 'aws-region': 'Europe' }, 'aws-region'],
      [{ 'database-url': '', 'database-secret-id': 'prod db!', 'aws-region': 'eu-west-1' }, 'database-secret-id'],
    ],
  },
  'setup-monorepo': {
    base: () => ({
      'node-version': '24.0.0',
      'cache-backend': 'none',
      affected: 'false',
      'node-mirror': `http://RECORDER/`,
      'pnpm-mirror': `http://RECORDER/`,
      'go-mirror': `http://RECORDER/`,
    }),
    multiline: ['install-args', 'global-files'],
    invalid: [
      [{ 'restore-timeout': '30d' }, 'restore-timeout'],
      [{ 'go-version': 'FALSE' }, 'go-version'],
      [{ 'go-version': 'no' }, 'go-version'],
      [{ 'go-version': 'latest' }, 'go-version'],
      [{ 'mirror-token': 'tok\nen' }, 'mirror-token'],
    ],
  },
  'smoke-test': {
    base: () => ({ url: `http://RECORDER/health`, deadline: '1s', interval: '200ms', timeout: '200ms' }),
    multiline: [],
    invalid: [
      [{ headers: 'X-Token=a\r::add-mask::INJ' }, 'headers'],
      [{ 'expect-version': 'v1\n::stop-commands::INJtoken', 'version-from': 'header:X-Version' }, 'expect-version'],
      [{ url: '', checks: '- name: "a\\n::set-output name=x::INJ"\n  url: http://x/' }, 'checks'],
    ],
  },
};

/** Runs one action and returns what the issue asks about. */
async function run(action: string, inputs: Record<string, string>): Promise<RunResult & { sideEffects: string[] }> {
  const before = connections;
  rmSync(marker, { force: true });
  const result = await runAction(action, {
    // RECORDER in a value stands for the recording server (known only once it listens).
    inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.replaceAll('RECORDER', recorder)])),
    cwd: temp,
    env: { PATH: stubs, ...ACTIONS[action]!.env?.() },
    timeoutMs: 60_000,
  });
  const sideEffects = [
    ...(existsSync(marker)
      ? readFileSync(marker, 'utf8')
          .trim()
          .split('\n')
          .map((l) => `ran ${l}`)
      : []),
    ...(connections > before ? [`${connections - before} connection(s) to the recording server`] : []),
  ];
  return { ...result, sideEffects };
}

const errorLines = (result: RunResult): string[] =>
  result.annotations.filter((a) => a.level === 'error').flatMap((a) => a.message.split('\n'));

const inputsOf = (action: string): string[] =>
  Object.keys(parse(readFileSync(join(ROOT, 'actions', action, 'action.yml'), 'utf8')).inputs);

// The %0A variants are plain text (no line break): free text may take them; they must stay inert.
const BREAKING = PAYLOADS.filter((p) => /[\r\n]/.test(p) && !p.includes('\u0000'));
const ENCODED = PAYLOADS.filter((p) => !/[\r\n]/.test(p) && !p.includes('\u0000'));

describe.each(Object.keys(ACTIONS))('%s', (action) => {
  const spec = ACTIONS[action]!;

  test('the base inputs do reach a side effect (the detectors can fail)', async () => {
    const result = await run(action, spec.base());
    expect(result.sideEffects.length).toBeGreaterThan(0);
  });

  test.each(BREAKING)('payload %j in every input: each named, nothing done, nothing forged', async (payload) => {
    const inputs = Object.fromEntries(inputsOf(action).map((name) => [name, payload]));
    const result = await run(action, inputs);
    expect(result.exitCode).not.toBe(0);
    expect(result.sideEffects).toEqual([]);
    expect(result.outputs).toEqual({});
    expect(forgedCommands(result.log)).toEqual([]);
    const lines = errorLines(result);
    const unnamed = inputsOf(action).filter(
      (name) => !spec.multiline.includes(name) && !lines.some((line) => line.startsWith(`${name}: `)),
    );
    expect(unnamed).toEqual([]);
  });

  test.each(ENCODED)('payload %j in every input: nothing done, nothing forged', async (payload) => {
    const result = await run(action, Object.fromEntries(inputsOf(action).map((name) => [name, payload])));
    expect(result.exitCode).not.toBe(0);
    expect(result.sideEffects).toEqual([]);
    expect(forgedCommands(result.log)).toEqual([]);
  });

  test.each(spec.invalid)('%j is refused, naming %s, before any side effect', async (bad, name) => {
    const result = await run(action, { ...spec.base(), ...bad });
    expect(result.exitCode).not.toBe(0);
    expect(errorLines(result).some((line) => line.startsWith(`${name}: `))).toBe(true);
    expect(result.sideEffects).toEqual([]);
    expect(forgedCommands(result.log)).toEqual([]);
  });
});
