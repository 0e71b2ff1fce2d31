import { execFile } from 'node:child_process';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type AwsEmulator, startEmulator } from '../src/server.js';
import { HEALTH_CHECK, type TestImage, testImages } from '../testing/images.js';

let emulator: AwsEmulator;
let images: Record<TestImage, string>;
let ecs: ECSClient;
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy' };

beforeAll(async () => {
  [emulator, images] = await Promise.all([
    startEmulator({ port: 0, tickMs: 200, healthIntervalCapMs: 500, hostPortRange: [32100, 32199] }),
    testImages(),
  ]);
  ecs = new ECSClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials, maxAttempts: 5 });
}, 300_000);

afterAll(async () => {
  ecs?.destroy();
  await emulator?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: control answers are plain JSON
const control = async (path: string, body?: unknown, method = 'POST'): Promise<any> => {
  const res = await fetch(`${emulator.endpoint}/_emulator/${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
};

/** Polls until `check` returns a value (real time: the emulator runs real containers). */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const service = async (cluster: string, name: string) =>
  (await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }))).services![0]!;

const answer = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
  return res?.ok ? (await res.text()).trim() : undefined;
};

async function runningPort(cluster: string, name: string): Promise<number> {
  const { taskArns } = await ecs.send(new ListTasksCommand({ cluster, serviceName: name }));
  const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
  return tasks!.find((t) => t.lastStatus === 'RUNNING')!.containers![0]!.networkBindings![0]!.hostPort!;
}

const taskDefinition = (family: string, image: string, healthCheck = true) => ({
  family,
  containerDefinitions: [
    {
      name: 'app',
      image,
      essential: true,
      portMappings: [{ containerPort: 8080 }],
      environment: [{ name: 'LOG_LEVEL', value: 'info' }],
      ...(healthCheck ? { healthCheck: HEALTH_CHECK } : {}),
    },
  ],
  cpu: '256',
  memory: '512',
});

describe('ECS API over AWS JSON 1.1 with the unmodified SDK', () => {
  test('task definitions: register, describe with tags, list with pagination, deregister', async () => {
    const first = await ecs.send(
      new RegisterTaskDefinitionCommand({
        ...taskDefinition('api-td', 'img:1'),
        tags: [{ key: 'team', value: 'web' }],
      }),
    );
    expect(first.taskDefinition?.revision).toBe(1);
    expect(first.taskDefinition?.containerDefinitions?.[0]?.portMappings?.[0]).toEqual({
      containerPort: 8080,
      hostPort: 8080,
      protocol: 'tcp',
    });
    expect(first.taskDefinition?.registeredAt).toBeInstanceOf(Date);
    await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('api-td', 'img:2')));
    const described = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'api-td:1', include: ['TAGS'] }),
    );
    expect(described.tags).toEqual([{ key: 'team', value: 'web' }]);
    expect(
      (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'api-td' }))).taskDefinition?.revision,
    ).toBe(2);
    const page = await ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'api-td', maxResults: 1, sort: 'DESC' }),
    );
    expect(page.taskDefinitionArns).toEqual([expect.stringMatching(/task-definition\/api-td:2$/)]);
    const next = await ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'api-td', nextToken: page.nextToken, sort: 'DESC' }),
    );
    expect(next.taskDefinitionArns).toEqual([expect.stringMatching(/api-td:1$/)]);
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'api-td:1' }));
    const active = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'api-td' }));
    expect(active.taskDefinitionArns).toHaveLength(1);
    await ecs.send(
      new TagResourceCommand({ resourceArn: active.taskDefinitionArns![0]!, tags: [{ key: 'k', value: 'v' }] }),
    );
    expect(
      (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'api-td:2', include: ['TAGS'] }))).tags,
    ).toEqual([{ key: 'k', value: 'v' }]);
  });

  test('errors carry their AWS type: unknown cluster, service, task definition', async () => {
    await expect(ecs.send(new DescribeServicesCommand({ cluster: 'nope', services: ['x'] }))).rejects.toMatchObject({
      name: 'ClusterNotFoundException',
    });
    await expect(ecs.send(new ListTasksCommand({ cluster: 'default', serviceName: 'nope' }))).rejects.toMatchObject({
      name: 'ServiceNotFoundException',
    });
    await expect(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope:9' }))).rejects.toMatchObject({
      name: 'ClientException',
    });
    const missing = await ecs.send(new DescribeServicesCommand({ cluster: 'default', services: ['ghost'] }));
    expect(missing.failures).toEqual([{ arn: expect.stringContaining('service/default/ghost'), reason: 'MISSING' }]);
  });

  test('a request without an Authorization header is refused', async () => {
    const res = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  test('throttling (HTTP 400 ThrottlingException) and 5xx faults are retried by the SDK', async () => {
    await control('stats/reset');
    await control('faults', {
      rules: [
        { type: 'throttle', operation: 'ListClusters', count: 2 },
        { type: 'error', operation: 'ListClusters', count: 1, status: 503 },
      ],
    });
    const result = await ecs.send(new ListClustersCommand({}));
    expect(result.clusterArns).toContain('arn:aws:ecs:us-east-1:000000000000:cluster/default');
    const stats = await control('stats', undefined, 'GET');
    expect(stats.byOperation.ListClusters).toBe(4);
    expect(stats.byStatus).toMatchObject({ 400: 2, 503: 1, 200: 1 });
    const noRetry = new ECSClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials, maxAttempts: 1 });
    await control('faults', { type: 'throttle', operation: 'ecs', count: 1 });
    await expect(
      noRetry.send(new DescribeServicesCommand({ cluster: 'default', services: ['x'] })),
    ).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    noRetry.destroy();
  });

  test('ECR GetAuthorizationToken and Secrets Manager GetSecretValue', async () => {
    const ecr = new ECRClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials });
    const token = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = token.authorizationData![0]!;
    expect(Buffer.from(data.authorizationToken!, 'base64').toString()).toMatch(/^AWS:/);
    expect(data.proxyEndpoint).toBe('http://localhost:5000');
    await control('secrets', { name: 'prod/db', value: 's3cret-value' });
    const sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials });
    const secret = await sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }));
    expect(secret.SecretString).toBe('s3cret-value');
    // full ARN and partial ARN (without the random suffix), as Secrets Manager accepts
    expect(secret.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:prod\/db-[0-9a-f]{6}$/);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: secret.ARN! }))).SecretString).toBe('s3cret-value');
    const partial = secret.ARN!.replace(/-[0-9a-f]{6}$/, '');
    expect((await sm.send(new GetSecretValueCommand({ SecretId: partial }))).SecretString).toBe('s3cret-value');
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    ecr.destroy();
    sm.destroy();
  });

  test("Debian's awscli talks to it with --endpoint-url", async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'aws',
        [
          '--endpoint-url',
          emulator.endpoint,
          'ecs',
          'list-task-definitions',
          '--family-prefix',
          'api-td',
          '--output',
          'json',
        ],
        {
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
            AWS_SECRET_ACCESS_KEY: 'dummy',
            AWS_DEFAULT_REGION: 'us-east-1',
            AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          },
        },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    expect(JSON.parse(out).taskDefinitionArns).toEqual([expect.stringMatching(/api-td:2$/)]);
  });
});

describe('rolling deployments with real containers', () => {
  test('deploys v1, rolls to v2 with health checks, the new version answers, events and stopped reasons', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'roll' }));
    const v1 = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('roll-app', images.v1)));
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'roll',
        serviceName: 'web',
        taskDefinition: v1.taskDefinition!.taskDefinitionArn,
        desiredCount: 1,
        deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
      }),
    );
    await until('v1 COMPLETED', async () => {
      const s = await service('roll', 'web');
      return s.deployments?.[0]?.rolloutState === 'COMPLETED' ? s : undefined;
    });
    expect(await answer(await runningPort('roll', 'web'))).toBe('version v1');

    const v2 = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('roll-app', images.v2)));
    const updated = await ecs.send(
      new UpdateServiceCommand({
        cluster: 'roll',
        service: 'web',
        taskDefinition: v2.taskDefinition!.taskDefinitionArn,
      }),
    );
    const deployments = updated.service!.deployments!;
    expect(deployments.map((d) => [d.status, d.rolloutState])).toEqual([
      ['PRIMARY', 'IN_PROGRESS'],
      ['ACTIVE', 'COMPLETED'],
    ]);
    const done = await until('v2 COMPLETED', async () => {
      const s = await service('roll', 'web');
      return s.deployments?.length === 1 && s.deployments[0]!.rolloutState === 'COMPLETED' ? s : undefined;
    });
    expect(done.deployments![0]!.id).toBe(deployments[0]!.id);
    expect(done.taskDefinition).toBe(v2.taskDefinition!.taskDefinitionArn);
    expect(await answer(await runningPort('roll', 'web'))).toBe('version v2');
    const messages = done.events!.map((e) => e.message);
    expect(messages[0]).toBe('(service web) has reached a steady state.');
    expect(messages).toContain(`(service web) (deployment ${deployments[0]!.id}) deployment completed.`);
    expect(messages.some((m) => /has stopped 1 running tasks/.test(m!))).toBe(true);
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: 'roll', serviceName: 'web', desiredStatus: 'STOPPED' }),
    );
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'roll', tasks: stopped.taskArns }));
    expect(tasks![0]!.stoppedReason).toBe(`Scaling activity initiated by (deployment ${deployments[0]!.id})`);
    expect(tasks![0]!.startedBy).toBe(deployments[1]!.id);
  });

  test('a crashing image trips the circuit breaker, which rolls back to the last completed deployment', async () => {
    const v1 = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('cb-app', images.v1, false)));
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'default',
        serviceName: 'cb',
        taskDefinition: v1.taskDefinition!.taskDefinitionArn,
        desiredCount: 1,
        deploymentConfiguration: {
          maximumPercent: 200,
          minimumHealthyPercent: 100,
          deploymentCircuitBreaker: { enable: true, rollback: true },
        },
      }),
    );
    await until('v1 COMPLETED', async () =>
      (await service('default', 'cb')).deployments?.[0]?.rolloutState === 'COMPLETED' ? true : undefined,
    );
    const bad = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('cb-app', images.crash, false)));
    const updated = await ecs.send(
      new UpdateServiceCommand({
        cluster: 'default',
        service: 'cb',
        taskDefinition: bad.taskDefinition!.taskDefinitionArn,
      }),
    );
    const failedId = updated.service!.deployments![0]!.id!;
    // The failed deployment leaves the list as soon as it has no tasks left: the events tell.
    const rolledBack = await until('rollback', async () => {
      const s = await service('default', 'cb');
      return s.deployments?.[0]?.id !== failedId ? s : undefined;
    });
    const primary = rolledBack.deployments![0]!;
    expect(primary.taskDefinition).toBe(v1.taskDefinition!.taskDefinitionArn);
    expect(primary.rolloutStateReason).toMatch(/circuit breaker: rolling back to deploymentId ecs-svc\/\d+/);
    const messages = rolledBack.events!.map((e) => e.message);
    expect(messages).toContain(`(service cb) (deployment ${failedId}) deployment failed: tasks failed to start.`);
    expect(messages.some((m) => /^\(service cb\) rolling back to deployment ecs-svc/.test(m!))).toBe(true);
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: 'default', startedBy: failedId, desiredStatus: 'STOPPED' }),
    );
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'default', tasks: stopped.taskArns }));
    expect(tasks!.length).toBeGreaterThanOrEqual(3);
    expect(tasks![0]).toMatchObject({
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    });
    expect(tasks![0]!.containers![0]!.exitCode).toBe(3);
    await until('rollback COMPLETED', async () =>
      (await service('default', 'cb')).deployments?.[0]?.rolloutState === 'COMPLETED' ? true : undefined,
    );
    expect(await answer(await runningPort('default', 'cb'))).toBe('version v1');
  });

  test('an unhealthy task is stopped for failed container health checks; an unknown image cannot be pulled', async () => {
    const td = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('sick-app', images.unhealthy)));
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'default',
        serviceName: 'sick',
        taskDefinition: td.taskDefinition!.taskDefinitionArn,
      }),
    );
    const missing = await ecs.send(
      new RegisterTaskDefinitionCommand(taskDefinition('ghost-app', 'localhost:5000/deploy-ecs-test/nope:1', false)),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'default',
        serviceName: 'ghost',
        taskDefinition: missing.taskDefinition!.taskDefinitionArn,
      }),
    );
    const stoppedTask = async (name: string) => {
      const { taskArns } = await ecs.send(
        new ListTasksCommand({ cluster: 'default', serviceName: name, desiredStatus: 'STOPPED' }),
      );
      if (!taskArns?.length) return undefined;
      const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'default', tasks: taskArns }));
      return tasks?.find((t) => t.lastStatus === 'STOPPED');
    };
    const sick = await until('unhealthy task stopped', () => stoppedTask('sick'));
    expect(sick.stoppedReason).toBe('Task failed container health checks');
    const ghost = await until('unknown image', () => stoppedTask('ghost'));
    expect(ghost.stopCode).toBe('TaskFailedToStart');
    expect(ghost.stoppedReason).toMatch(/^CannotPullContainerError/);
    await ecs.send(new UpdateServiceCommand({ cluster: 'default', service: 'sick', desiredCount: 0 }));
    await ecs.send(new UpdateServiceCommand({ cluster: 'default', service: 'ghost', desiredCount: 0 }));
  });
});
