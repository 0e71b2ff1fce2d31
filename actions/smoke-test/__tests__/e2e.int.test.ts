/**
 * End to end: the example monorepo's backend image (base image from the local registry, started by
 * `bash local/infra/infra.sh up`) runs on the local Docker engine, and the built action checks its
 * /health and /version with expect-version = the commit baked into the image.
 * Needs examples/monorepo/apps/backend/dist (`pnpm build` in examples/monorepo, see its README).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runAction } from '../../../test/harness.js';
import type { CheckReport } from '../src/report.js';

const BASE_IMAGE = 'localhost:5000/deploy-actions/node:24';
const BACKEND = join(ROOT, 'examples/monorepo/apps/backend');
const SHA = 'e2e0123456789abcdef0123456789abcdef01234';
const IMAGE = `smoke-test-e2e/backend:${SHA.slice(0, 12)}`;

const docker = (...args: string[]) =>
  execFileSync('docker', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DOCKER_HOST: undefined },
  });

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

let container: string | undefined;
let context: string | undefined;

afterAll(() => {
  if (container) {
    try {
      docker('rm', '-f', container);
    } catch {
      // already gone
    }
  }
  if (context) rmSync(context, { recursive: true, force: true });
});

test('the example backend container passes /health and /version once it serves the deployed commit', async () => {
  if (!existsSync(join(BACKEND, 'dist/server.cjs'))) {
    throw new Error(`${BACKEND}/dist/server.cjs is missing: run pnpm install && pnpm build in examples/monorepo first`);
  }
  docker('image', 'inspect', '--format', '{{.Id}}', BASE_IMAGE); // the local infra is up
  let built = true;
  try {
    docker('image', 'inspect', '--format', '{{.Id}}', IMAGE);
  } catch {
    built = false;
  }
  if (!built) {
    // The build context is the app folder after `pnpm build`: the Dockerfile copies dist/ only.
    context = mkdtempSync(join(tmpdir(), 'smoke-e2e-'));
    cpSync(join(BACKEND, 'Dockerfile'), join(context, 'Dockerfile'));
    cpSync(join(BACKEND, 'dist'), join(context, 'dist'), { recursive: true });
    docker(
      'build',
      '-q',
      '--build-arg',
      `BASE_IMAGE=${BASE_IMAGE}`,
      '--build-arg',
      `GIT_SHA=${SHA}`,
      '-t',
      IMAGE,
      context,
    );
  }
  const port = await freePort();
  container = docker('run', '-d', '--network', 'host', '-e', `PORT=${port}`, IMAGE).trim();

  // No sleep before the action: it is the action's job to wait for the container to answer.
  const result = await runAction('smoke-test', {
    inputs: {
      'base-url': `http://127.0.0.1:${port}`,
      'expect-version': SHA,
      interval: '100ms',
      'max-interval': '500ms',
      deadline: '60s',
      'failure-limit': '0',
      'consecutive-successes': '2',
      checks: `
- name: health
  url: /health
  expect: { status: 200, json: [{ path: $.status, equals: ok }, { path: $.database, exists: true }] }
- name: version
  url: /version
  version: { json-path: $.commit }
  expect: { json: [{ path: $.version, exists: true }] }
`,
    },
    timeoutMs: 90_000,
  });
  const report = JSON.parse(result.outputs.report ?? '[]') as CheckReport[];
  expect({ exitCode: result.exitCode, log: result.exitCode === 0 ? '' : result.log }).toEqual({ exitCode: 0, log: '' });
  expect(report.map((r) => [r.name, r.result, r.lastStatus])).toEqual([
    ['health', 'passed', 200],
    ['version', 'passed', 200],
  ]);
  expect(report[1]!.version).toBe(SHA);
  expect(result.summary).toContain('| version |');
}, 180_000);
