/**
 * End-to-end: the built bundle as the runner runs it, against the local ECS emulator, whose tasks
 * are real containers of the test images (v1, v2, crash, unhealthy).
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type AwsEmulator, startEmulator } from '../../../local/emulators/aws/src/server.js';
import { HEALTH_CHECK, type TestImage, testImages } from '../../../local/emulators/aws/testing/images.js';
import { type RunOptions, runAction } from '../../../test/harness.js';

let emulator: AwsEmulator;
let images: Record<TestImage, string>;
let ecs: ECSClient;
const workspace = mkdtempSync(join(tmpdir(), 'deploy-ecs-ws-'));
const CLUSTER = 'e2e';

beforeAll(async () => {
  [emulator, images] = await Promise.all([
    startEmulator({ port: 0, tickMs: 200, healthIntervalCapMs: 500, hostPortRange: [32200, 32299] }),
    testImages(),
  ]);
  ecs = new ECSClient({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
}, 300_000);

afterAll(async () => {
  ecs?.destroy();
  await emulator?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: control answers are plain JSON
const control = async (path: string, body?: unknown, method = 'POST'): Promise<any> =>
  (
    await fetch(`${emulator.endpoint}/_emulator/${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  ).json();

const deploy = (inputs: RunOptions['inputs'], options: Partial<RunOptions> = {}) =>
  runAction('deploy-ecs', {
    cwd: workspace,
    timeoutMs: 110_000,
    ...options,
    inputs: { cluster: CLUSTER, 'poll-interval': '500ms', timeout: '60s', ...inputs },
    env: {
      AWS_ENDPOINT_URL_ECS: emulator.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      ...options.env,
    },
  });

const taskDefinition = (family: string, image: string, extra: Record<string, unknown> = {}) => ({
  family,
  cpu: '256',
  memory: '512',
  containerDefinitions: [
    {
      name: 'app',
      image,
      portMappings: [{ containerPort: 8080 }],
      environment: [{ name: 'LOG_LEVEL', value: 'info' }],
      healthCheck: HEALTH_CHECK,
      ...extra,
    },
  ],
});

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A service running v1 of its own family, COMPLETED. */
async function serviceOnV1(name: string, breaker?: { enable: boolean; rollback: boolean }): Promise<string> {
  const { taskDefinition: td } = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(name, images.v1)));
  await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: name,
      taskDefinition: td!.taskDefinitionArn,
      desiredCount: 1,
      deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: breaker },
    }),
  );
  await until(`${name} v1`, async () => {
    const s = (await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [name] }))).services![0]!;
    return s.deployments?.length === 1 && s.deployments[0]!.rolloutState === 'COMPLETED' ? true : undefined;
  });
  return td!.taskDefinitionArn!;
}

async function answer(name: string): Promise<string | undefined> {
  const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: name }));
  if (!taskArns?.length) return undefined;
  const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns }));
  const answers = await Promise.all(
    tasks!
      .filter((t) => t.lastStatus === 'RUNNING')
      .map(async (t) => {
        const port = t.containers![0]!.networkBindings![0]!.hostPort;
        const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
        return res?.ok ? (await res.text()).trim() : undefined;
      }),
  );
  return answers.join(',');
}

const revisions = async (family: string) =>
  (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE' }))).taskDefinitionArns!;

describe('deploy-ecs against the ECS emulator with real containers', () => {
  test('good deploy from a file with an image override: the new version answers; unchanged reruns register nothing; plan; cleanup keeps N; manual rollback', async () => {
    const v1 = await serviceOnV1('good');
    writeFileSync(join(workspace, 'good.json'), JSON.stringify(taskDefinition('good', images.v1)));
    const planned = await deploy({
      service: 'good',
      'task-definition': 'good.json',
      'container-images': `app=${images.v2}`,
      mode: 'plan',
    });
    expect(planned.exitCode).toBe(0);
    expect(planned.outputs.outcome).toBe('planned');
    expect(planned.log).toContain(`~ containerDefinitions[app].image: "${images.v1}" -> "${images.v2}"`);
    expect(await revisions('good')).toHaveLength(1);

    const result = await deploy({
      service: 'good',
      'task-definition': 'good.json',
      'container-images': `app=${images.v2}`,
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({
      outcome: 'succeeded',
      'task-definition-arn': expect.stringMatching(/task-definition\/good:2$/),
      'previous-task-definition-arn': v1,
      'deployment-id': expect.stringMatching(/^ecs-svc\/\d{19}$/),
    });
    expect(result.log).toContain('deployment completed.');
    expect(result.summary).toContain('containerDefinitions[app].image');
    expect(await answer('good')).toBe('version v2');

    const again = await deploy({
      service: 'good',
      'task-definition': 'good.json',
      'container-images': `app=${images.v2}`,
    });
    expect(again.exitCode).toBe(0);
    expect(again.outputs['task-definition-arn']).toBe(result.outputs['task-definition-arn']);
    expect(again.log).toContain('nothing to deploy');
    expect(await revisions('good')).toHaveLength(2);

    for (const level of ['debug', 'warn']) {
      const r = await deploy({ service: 'good', environment: `LOG_LEVEL=${level}`, 'keep-revisions': 2 });
      expect(r.exitCode).toBe(0);
    }
    const left = await revisions('good');
    expect(left.map((a) => a.slice(a.lastIndexOf(':') + 1))).toEqual(['3', '4']);

    const back = await deploy({ service: 'good', mode: 'rollback' });
    expect(back.exitCode).toBe(0);
    expect(back.outputs).toMatchObject({
      outcome: 'succeeded',
      'task-definition-arn': expect.stringMatching(/good:3$/),
    });
    expect(back.log).toMatch(/the service ran \S+good:3 before its last deploy/);

    // After a rolled-back deploy, the next deploy's rollback goes to what ran before it (3), not to
    // the newest older revision (4, the bad one that was rolled back).
    expect((await deploy({ service: 'good', environment: 'LOG_LEVEL=error', 'keep-revisions': 0 })).exitCode).toBe(0);
    const again2 = await deploy({ service: 'good', mode: 'rollback' });
    expect(again2.exitCode).toBe(0);
    expect(again2.outputs['task-definition-arn']).toMatch(/good:3$/);
    // Already on what ran before the last deploy: a rollback changes nothing (no older revision guessed).
    const noop = await deploy({ service: 'good', mode: 'rollback' });
    expect(noop.exitCode).toBe(0);
    expect(noop.log).toContain('nothing to roll back');
    expect(noop.outputs).toMatchObject({
      outcome: 'succeeded',
      'task-definition-arn': expect.stringMatching(/good:3$/),
    });
    expect(await answer('good')).toBe('version v2');
  });

  test('a crash-looping image fails fast, with the exit code in the log and the summary', async () => {
    await serviceOnV1('crashy');
    const result = await deploy({
      service: 'crashy',
      'container-images': `app=${images.crash}`,
      'max-failed-tasks': 2,
    });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.outcome).toBe('failed');
    expect(result.log).toMatch(
      /task [0-9a-f]+ \(crashy:2\) stopped: Essential container in task exited \(app: exit code 3\)/,
    );
    expect(result.log).toMatch(/2 tasks of deployment ecs-svc\/\d+ stopped \(max-failed-tasks: 2\)/);
    expect(result.summary).toContain('exit code 3');
  });

  test('a circuit-breaker rollback is reported as rolled-back and fails the step', async () => {
    await serviceOnV1('breaker', { enable: true, rollback: true });
    const result = await deploy({
      service: 'breaker',
      'container-images': `app=${images.crash}`,
      'max-failed-tasks': 0,
    });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.outcome).toBe('rolled-back');
    expect(result.log).toContain('ECS deployment circuit breaker');
  });

  test('rollback-on-failure puts the previous version back, and it answers again', async () => {
    const v1 = await serviceOnV1('undo');
    const result = await deploy({
      service: 'undo',
      'container-images': `app=${images.crash}`,
      'max-failed-tasks': 1,
      'rollback-on-failure': true,
    });
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ outcome: 'rolled-back', 'previous-task-definition-arn': v1 });
    expect(result.log).toContain(`rolled back to ${v1}`);
    expect(await answer('undo')).toBe('version v1');
  });

  test("superseded: someone else's deployment replaces the one being followed", async () => {
    const v1 = await serviceOnV1('race');
    let replaced = false;
    const result = await deploy(
      { service: 'race', 'container-images': `app=${images.unhealthy}`, 'max-failed-tasks': 0 },
      {
        onLine: (line) => {
          if (!replaced && /deployment ecs-svc\/\d+ started/.test(line)) {
            replaced = true;
            void ecs.send(
              new UpdateServiceCommand({
                cluster: CLUSTER,
                service: 'race',
                taskDefinition: v1,
                forceNewDeployment: true,
              }),
            );
          }
        },
      },
    );
    expect(result.exitCode).toBe(1);
    expect(result.outputs.outcome).toBe('superseded');
  });

  test('a throttling storm slows polling down but the deploy still succeeds', async () => {
    await serviceOnV1('storm');
    await control('faults', { type: 'throttle', operation: 'ecs', probability: 0.5, count: 12 });
    const result = await deploy({ service: 'storm', 'container-images': `app=${images.v2}` });
    await control('faults', undefined, 'DELETE');
    expect(result.exitCode).toBe(0);
    expect(result.outputs.outcome).toBe('succeeded');
    expect((await control('stats', undefined, 'GET')).byStatus['400']).toBeGreaterThan(0);
    expect(await answer('storm')).toBe('version v2');
  });

  test('an unknown service or cluster is reported as such', async () => {
    const service = await deploy({ service: 'ghost' });
    expect(service.exitCode).toBe(1);
    expect(service.log).toContain('service "ghost" was not found in cluster "e2e"');
    const cluster = await deploy({ service: 'ghost', cluster: 'nowhere' });
    expect(cluster.log).toContain('cluster "nowhere" was not found (ClusterNotFoundException)');
  });

  test.each([
    [{ cluster: 'bad name!', service: 'x' }, 'cluster: "bad name!" is not valid'],
    [{ service: 'x', 'task-definition': 'missing.json' }, 'task-definition: cannot read'],
    [{ service: 'x', 'task-definition': 'bad.yaml' }, 'task-definition:'],
    [
      { service: 'x', 'task-definition': 'good.json', 'container-images': 'web=repo/web:1' },
      'container-images: container "web" is not in the task definition',
    ],
    [
      { service: 'x', 'container-images': 'app=localhost:5000/deploy-ecs-test/app:does-not-exist' },
      'is not in the registry localhost:5000',
    ],
    [{ service: 'x', timeout: '5s', 'poll-interval': '2s' }, 'timeout: 5s leaves room for fewer than 3 polls'],
    [{ service: 'x', 'task-definition': 'secret.json' }, 'plaintext secret in environment variable DB_PASSWORD'],
  ])('bad input %j fails before any API call', async (inputs, message) => {
    writeFileSync(join(workspace, 'bad.yaml'), 'family: [unclosed\n');
    writeFileSync(join(workspace, 'good.json'), JSON.stringify(taskDefinition('good', images.v1)));
    writeFileSync(
      join(workspace, 'secret.json'),
      JSON.stringify(
        taskDefinition('s', images.v1, { environment: [{ name: 'DB_PASSWORD', value: 'planted-pass-123' }] }),
      ),
    );
    const before = (await control('stats', undefined, 'GET')).total;
    const result = await deploy(inputs, { secrets: ['planted-pass-123'] });
    expect(result.exitCode).toBe(1);
    expect(result.log).toContain(message);
    expect((await control('stats', undefined, 'GET')).total).toBe(before);
    expect(result.durationMs).toBeGreaterThan(0);
  });
});
