/**
 * The bundle as the runner runs it, against the local Docker engine and registry (127.0.0.1:5000):
 * real builds and pushes, verified through the registry API.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { ROOT, runAction } from '../../../test/harness.js';
import {
  authRegistry,
  BASE_IMAGE,
  ecrStandIn,
  faultProxy,
  REGISTRY,
  random,
  removeImages,
  tagDigest,
  workspace,
} from './support.js';

const events = join(import.meta.dirname, 'fixtures/events');
const NS = `bpi-test-${random()}`;
const PUSH_SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const PR_HEAD = 'd4e5f60718293a4b5c6d7e8f9012345678a1b2c3';
const PR_MERGE = 'e5f60718293a4b5c6d7e8f9012345678a1b2c3d4';
const pushToMain = {
  GITHUB_EVENT_NAME: 'push',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_SHA: PUSH_SHA,
  GITHUB_EVENT_PATH: join(events, 'push-main.json'),
};
const pullRequest = {
  GITHUB_EVENT_NAME: 'pull_request',
  GITHUB_REF: 'refs/pull/42/merge',
  GITHUB_SHA: PR_MERGE,
  GITHUB_EVENT_PATH: join(events, 'pull-request.json'),
};
const fast = { 'retry-base-delay': '100ms' };

interface ImageResult {
  image: string;
  digest: string;
  tags: string[];
  status: string;
  size: number | null;
}
const images = (outputs: Record<string, string>) => JSON.parse(outputs.images ?? '{}') as Record<string, ImageResult>;

async function expectTagsAt(result: ImageResult, host: string, auth?: string) {
  for (const reference of result.tags) {
    const [repository, tag] = [
      reference.slice(0, reference.lastIndexOf(':')),
      reference.slice(reference.lastIndexOf(':') + 1),
    ];
    expect(await tagDigest(host, repository.slice(host.length + 1), tag, auth)).toBe(result.digest);
  }
}

afterAll(() => removeImages(NS));

describe('build-push-image against the local registry', () => {
  test('builds two services, then a pull request reuses both and only adds tags', async () => {
    const ws = workspace({ api: {}, web: {} });
    const services = [
      '- name: api',
      '  context: apps/api',
      `  image: ${REGISTRY}/${NS}/api`,
      '- name: web',
      '  context: apps/web',
      `  image: ${REGISTRY}/${NS}/web`,
      '  build-args: { APP_VERSION: "1.0" }',
    ].join('\n');
    const first = await runAction('build-push-image', { cwd: ws, inputs: { services, ...fast }, env: pushToMain });
    expect(first.exitCode).toBe(0);
    const built = images(first.outputs);
    expect(Object.keys(built)).toEqual(['api', 'web']);
    for (const name of ['api', 'web']) {
      const result = built[name]!;
      expect(result.status).toBe('built');
      expect(result.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(result.image).toBe(`${REGISTRY}/${NS}/${name}@${result.digest}`);
      expect(result.tags.map((t) => t.split(':').pop())).toEqual(['main', 'latest', PUSH_SHA, 'sha-a1b2c3d']);
      expect(first.outputs[`image-${name}`]).toBe(result.image);
      await expectTagsAt(result, REGISTRY);
    }
    expect(first.outputs.built).toBe('api,web');
    expect(first.log.match(/\[command\]docker build /g)).toHaveLength(2);
    expect(first.log).toMatch(/api: .*ch-[a-f0-9]{16} does not exist yet: building/);
    expect(first.summary).toMatch(/<td>api<\/td>.*<td>built<\/td>/s);

    const second = await runAction('build-push-image', { cwd: ws, inputs: { services, ...fast }, env: pullRequest });
    expect(second.exitCode).toBe(0);
    expect(second.log).not.toContain('[command]docker build ');
    expect(second.log).not.toContain('[command]docker push');
    expect(second.log).toMatch(/api: .*ch-[a-f0-9]{16} exists \(sha256:[a-f0-9]+\): build skipped/);
    const reused = images(second.outputs);
    for (const name of ['api', 'web']) {
      expect(reused[name]!.status).toBe('reused');
      expect(reused[name]!.digest).toBe(built[name]!.digest);
      expect(reused[name]!.tags.map((t) => t.split(':').pop())).toEqual(['pr-42', PR_HEAD, 'sha-d4e5f60']);
      await expectTagsAt(reused[name]!, REGISTRY);
      expect(await tagDigest(REGISTRY, `${NS}/${name}`, PR_MERGE)).toBeUndefined();
    }
    expect(second.outputs.reused).toBe('api,web');
    expect(second.summary).toMatch(/<td>web<\/td>.*<td>reused<\/td>/s);
  });

  test('a failed build names its step, pushes nothing for it, and still reports the other service', async () => {
    const ws = workspace({ good: {}, broken: { extra: 'RUN echo preparing && exit 3\n' } });
    const services = `
good: { context: apps/good, image: ${REGISTRY}/${NS}/good }
broken: { context: apps/broken, image: ${REGISTRY}/${NS}/broken }`;
    const result = await runAction('build-push-image', {
      cwd: ws,
      inputs: { services, concurrency: 1 },
      env: pushToMain,
    });
    expect(result.exitCode).toBe(1);
    const map = images(result.outputs);
    expect(map.good!.status).toBe('built');
    await expectTagsAt(map.good!, REGISTRY);
    expect(map.broken!.status).toBe('failed');
    expect(map.broken!.tags).toEqual([]);
    expect(result.outputs['image-broken']).toBeUndefined();
    expect(JSON.parse(result.outputs.refs!)).toEqual({ good: `${REGISTRY}/${NS}/good@${map.good!.digest}` });
    expect(result.annotations).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: expect.stringMatching(
          /broken: the build failed at Step 5\/\d+ : RUN echo preparing && exit 3; nothing was pushed[\s\S]*non-zero code: 3/,
        ),
      }),
    );
    expect(result.log).toContain('1 of 2 service(s) failed: broken');
    expect(await tagDigest(REGISTRY, `${NS}/broken`, 'main')).toBeUndefined();
    expect(result.summary).toMatch(/failed: Step 5\/\d+ : RUN echo preparing &amp;&amp; exit 3/);
  });

  test.each([
    [
      'duplicate names, missing context and Dockerfile, invalid image, build arg, tag and platform',
      {
        services: `
- { name: api, context: apps/api, image: "${REGISTRY}/${NS}/Api" }
- { name: api, context: apps/nowhere, image: "${REGISTRY}/${NS}/api2", build-args: ["1BAD=x"] }
- { name: web, context: apps/api, dockerfile: apps/api/Nope.Dockerfile, image: "${REGISTRY}/${NS}/web", tags: ["-x"], platforms: [linux/amd65] }`,
      },
      [
        `services: api: image: "${REGISTRY}/${NS}/Api" has an invalid path component "Api"`,
        'services: api: the name is given twice; expected unique service names',
        'services: api: context: "apps/nowhere" is not a directory',
        'services: api: dockerfile: "apps/nowhere/Dockerfile" does not exist',
        'services: api: build arg name "1BAD" is not valid',
        'services: web: dockerfile: "apps/api/Nope.Dockerfile" does not exist',
        'services: web: tag "-x" is not a valid tag',
        'services: web: platform "linux/amd65" has an unknown architecture "amd65"',
      ],
    ],
    [
      'single-service inputs',
      {
        image: `${REGISTRY}/${NS}/api:v1`,
        tags: 'ok,bad tag',
        'build-args': 'GOOD=1\nnot-valid=2',
        platforms: 'linux',
      },
      [
        'tags: "bad tag" is not a valid tag',
        'build-args: key "not-valid" is not valid',
        'platforms: "linux" is not os/arch[/variant]',
      ],
    ],
    [
      'an image with a tag',
      { image: `${REGISTRY}/${NS}/api:v1` },
      [`image: "${REGISTRY}/${NS}/api:v1" must not carry a tag`],
    ],
    ['no image at all', { context: 'apps/api' }, ['image: is required when services is not given']],
  ])('bad input is reported before any docker command: %s', async (_, inputs, problems) => {
    const ws = workspace({ api: {} });
    const result = await runAction('build-push-image', { cwd: ws, inputs, env: pushToMain });
    expect(result.exitCode).toBe(1);
    for (const problem of problems) expect(result.log).toContain(problem);
    expect(result.log).not.toContain('[command]docker');
    expect(result.outputs).toEqual({});
  });

  test('retries pushes and registry API calls through a faulty proxy (503, 429 + Retry-After, dropped connections)', async () => {
    const proxy = await faultProxy([
      // The registry API lookup of the content tag: a 429 with Retry-After, then a dropped connection.
      { method: 'GET', path: /\/manifests\/ch-/, times: 1, fault: { status: 429, retryAfter: '1' } },
      { method: 'GET', path: /\/manifests\/ch-/, times: 1, fault: 'drop' },
      // docker push: the manifest upload fails with a 503 once, then with a 429.
      { method: 'PUT', path: /\/manifests\/main$/, times: 1, fault: { status: 503 } },
      { method: 'PUT', path: /\/manifests\/latest$/, times: 1, fault: { status: 429, retryAfter: '1' } },
    ]);
    try {
      const ws = workspace({ api: { scratch: true } });
      const image = `${proxy.host}/${NS}/flaky`;
      const result = await runAction('build-push-image', {
        cwd: ws,
        inputs: { image, context: 'apps/api', ...fast },
        env: pushToMain,
      });
      expect(result.exitCode).toBe(0);
      expect(proxy.injected).toEqual([
        expect.stringMatching(/^429 GET .*manifests\/ch-/),
        expect.stringMatching(/^drop GET .*manifests\/ch-/),
        expect.stringMatching(/^503 PUT .*manifests\/main$/),
        expect.stringMatching(/^429 PUT .*manifests\/latest$/),
      ]);
      expect(result.log).toMatch(/registry GET .*ch-[a-f0-9]+: attempt 1 of 5 failed \(.*429\); retrying in 1000ms/);
      expect(result.log).toMatch(/registry GET .*ch-[a-f0-9]+: attempt 2 of 5 failed/);
      expect(result.log).toMatch(/docker push .*:main: attempt 1 of 5 failed/);
      expect(result.log).toMatch(/docker push .*:latest: attempt 1 of 5 failed/);
      const map = images(result.outputs);
      // Verified straight at the registry, behind the proxy.
      for (const reference of map.flaky!.tags) {
        expect(await tagDigest(REGISTRY, `${NS}/flaky`, reference.split(':').pop()!)).toBe(map.flaky!.digest);
      }
      expect(result.outputs.digest).toBe(map.flaky!.digest);
    } finally {
      await proxy.close();
    }
  });

  test('a password registry and an ECR login (real SDK client, GetAuthorizationToken stand-in): nothing leaks, the post step logs out', async () => {
    const password = `pw-${random(12)}`;
    const ecrPassword = `ecr-${random(16)}`;
    // One registry that accepts both the planted password and the ECR-issued one.
    const registry = await authRegistry('ci-user', password);
    const ecrRegistry = await authRegistry('AWS', ecrPassword);
    const ecr = await ecrStandIn(`http://${ecrRegistry.host}`, ecrPassword);
    try {
      const ws = workspace({ api: { scratch: true } });
      const plain = await runAction('build-push-image', {
        cwd: ws,
        inputs: {
          image: `${registry.host}/${NS}/api`,
          context: 'apps/api',
          'registry-username': 'ci-user',
          'registry-password': password,
          ...fast,
        },
        env: pushToMain,
        secrets: [password],
        post: true,
      });
      expect(plain.exitCode).toBe(0);
      expect(plain.log).toContain(`[command]docker login --username ci-user --password-stdin ${registry.host}`);
      await expectTagsAt(images(plain.outputs).api!, registry.host, registry.basic);
      expect(plain.post?.log).toContain(`logged out of ${registry.host}`);
      expect(existsSync(plain.state['docker-config']!)).toBe(false);

      // The same content again: reused through the registry API with the login's credentials.
      const again = await runAction('build-push-image', {
        cwd: ws,
        inputs: {
          image: `${registry.host}/${NS}/api`,
          context: 'apps/api',
          'registry-username': 'ci-user',
          'registry-password': password,
          tags: 'again',
        },
        env: pushToMain,
        secrets: [password],
      });
      expect(again.exitCode).toBe(0);
      expect(images(again.outputs).api!.status).toBe('reused');
      await expectTagsAt(images(again.outputs).api!, registry.host, registry.basic);

      const viaEcr = await runAction('build-push-image', {
        cwd: ws,
        inputs: {
          image: `${ecrRegistry.host}/${NS}/api`,
          context: 'apps/api',
          ecr: 'true',
          'aws-region': 'eu-west-1',
          ...fast,
        },
        env: {
          ...pushToMain,
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'secret-example-key',
          AWS_ENDPOINT_URL_ECR: ecr.url,
        },
        secrets: [ecrPassword, Buffer.from(`AWS:${ecrPassword}`).toString('base64')],
        post: true,
      });
      expect(viaEcr.exitCode).toBe(0);
      expect(ecr.calls).toEqual([
        expect.objectContaining({
          target: 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken',
          authorization: expect.stringMatching(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//),
        }),
      ]);
      expect(viaEcr.log).toContain(`logged in to ${ecrRegistry.host} as AWS`);
      await expectTagsAt(images(viaEcr.outputs).api!, ecrRegistry.host, ecrRegistry.basic);
      expect(viaEcr.post?.log).toContain(`logged out of ${ecrRegistry.host}`);
    } finally {
      await ecr.close();
      await registry.close();
      await ecrRegistry.close();
    }
  });

  test("builds the example backend's real Dockerfile", async () => {
    const context = join(ROOT, 'examples/monorepo/apps/backend');
    expect(existsSync(join(context, 'dist'))).toBe(true); // prepared by `pnpm build` (see its README)
    const result = await runAction('build-push-image', {
      cwd: ROOT,
      inputs: {
        image: `${REGISTRY}/${NS}/backend`,
        name: 'backend',
        context: 'examples/monorepo/apps/backend',
        'build-args': `BASE_IMAGE=${BASE_IMAGE}\nAPP_VERSION=1.2.3\nGIT_SHA=${PUSH_SHA}`,
      },
      env: pushToMain,
    });
    expect(result.exitCode).toBe(0);
    const backend = images(result.outputs).backend!;
    expect(backend.status).toBe('built');
    expect(backend.size).toBeGreaterThan(1_000_000);
    await expectTagsAt(backend, REGISTRY);
  });
});
