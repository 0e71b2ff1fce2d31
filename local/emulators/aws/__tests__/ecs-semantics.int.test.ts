/**
 * ECS semantics the emulator follows (issue 13), each against real containers on the fast profile.
 * Every test names what the emulator did before, which the test would have failed on.
 */
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  type ECSClient,
  ListClustersCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { AwsEmulator } from '../src/server.js';
import { BASE_IMAGE, HEALTH_CHECK } from '../testing/images.js';
import {
  cluster,
  describeService,
  emulatorWithClient,
  LaunchControl,
  scripted,
  tasksOf,
  until,
} from './ecs-helpers.js';

let emulator: AwsEmulator;
let ecs: ECSClient;
let control: LaunchControl;
let CLUSTER: string;

beforeAll(async () => {
  ({ emulator, ecs } = await emulatorWithClient([32700, 32749]));
  control = await new LaunchControl().start();
  CLUSTER = await cluster(ecs, 'semantics');
}, 120_000);

afterAll(async () => {
  ecs?.destroy();
  await emulator?.stop();
  await control?.stop();
});

const breaker = (extra: Record<string, unknown> = {}) => ({
  maximumPercent: 200,
  minimumHealthyPercent: 100,
  deploymentCircuitBreaker: { enable: true, rollback: false, ...extra },
});

async function service(name: string, container: object, options: Record<string, unknown> = {}) {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({ family: name, containerDefinitions: [container] }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: name,
      taskDefinition: taskDefinition!.taskDefinitionArn,
      desiredCount: 1,
      ...options,
    }),
  );
  return taskDefinition!.taskDefinitionArn!;
}

const rollout = async (name: string, state: string) =>
  until(`${name} ${state}`, async () => {
    const s = await describeService(ecs, CLUSTER, name);
    return s.deployments?.[0]?.rolloutState === state ? s : undefined;
  });

describe('health: the 40-second rule and the grace period', () => {
  test('a task without a health check counts 40 s (x0.05) after RUNNING; one that exits within that never completes (old: COMPLETED at once, then no task)', async () => {
    await service('steady', scripted(BASE_IMAGE, { MODE: 'serve' }), { deploymentConfiguration: breaker() });
    await service('dies', scripted(BASE_IMAGE, { MODE: 'exit-after-700' }), { deploymentConfiguration: breaker() });
    const done = await rollout('steady', 'COMPLETED');
    const [task] = await tasksOf(ecs, CLUSTER, 'steady', 'RUNNING');
    const completedAt = done.deployments![0]!.updatedAt!.getTime();
    expect(completedAt - task!.startedAt!.getTime()).toBeGreaterThanOrEqual(2000 - 50);

    const failed = await rollout('dies', 'FAILED');
    expect(failed.events!.some((e) => /deployment completed/.test(e.message!))).toBe(false);
    const stopped = await tasksOf(ecs, CLUSTER, 'dies', 'STOPPED');
    expect(stopped.length).toBe(3);
    expect(stopped[0]!.containers![0]!.exitCode).toBe(4);
  });

  test('healthCheckGracePeriodSeconds: failing health checks are ignored that long after the start (old: stopped at the first UNHEALTHY)', async () => {
    const container = scripted(
      BASE_IMAGE,
      { MODE: 'serve' },
      {
        healthCheck: { ...HEALTH_CHECK, command: ['CMD-SHELL', 'exit 1'] },
      },
    );
    await service('graceful', container, { healthCheckGracePeriodSeconds: 80 });
    const described = await describeService(ecs, CLUSTER, 'graceful');
    expect(described.healthCheckGracePeriodSeconds).toBe(80);
    const [stopped] = await until('a task stopped for health checks', async () => {
      const tasks = await tasksOf(ecs, CLUSTER, 'graceful', 'STOPPED');
      return tasks.length ? tasks : undefined;
    });
    expect(stopped!.stoppedReason).toBe('Task failed container health checks');
    // 80 s x 0.05 = 4 s of grace; unhealthy itself takes ~1 s here.
    expect(stopped!.stoppingAt!.getTime() - stopped!.startedAt!.getTime()).toBeGreaterThanOrEqual(4000 - 50);
    await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'graceful', desiredCount: 0 }));
  });
});

describe('the circuit breaker', () => {
  test('failures stop counting once the deployment has a healthy task: a flaky deploy completes (old: 3 failures in all failed it)', async () => {
    const flaky = control.url('flaky', ['serve', 'crash', 'crash', 'crash', 'serve']);
    const strict = control.url('strict', ['serve', 'crash', 'crash', 'crash', 'serve']);
    const container = (url: string) => scripted(BASE_IMAGE, { CONTROL: url }, { healthCheck: HEALTH_CHECK });
    await service('flaky', container(flaky), { desiredCount: 2, deploymentConfiguration: breaker() });
    await service('strict', container(strict), {
      desiredCount: 2,
      deploymentConfiguration: breaker({ resetOnHealthyTask: false }),
    });
    const done = await rollout('flaky', 'COMPLETED');
    expect(done.deployments![0]!.failedTasks).toBe(0);
    expect(control.asked.get('flaky')).toBe(5);
    // resetOnHealthyTask: false (SDK v3 model) keeps counting: the same launches fail the deployment.
    const failed = await rollout('strict', 'FAILED');
    expect(failed.deployments![0]!.failedTasks).toBe(3);
  });

  test('thresholdConfiguration COUNT 2 trips at 2 failures (old: ignored, min 3)', async () => {
    const crash = control.url('count', ['crash']);
    await service('counted', scripted(BASE_IMAGE, { CONTROL: crash }), {
      deploymentConfiguration: breaker({ thresholdConfiguration: { type: 'COUNT', value: 2 } }),
    });
    const failed = await rollout('counted', 'FAILED');
    expect(failed.deployments![0]!.failedTasks).toBe(2);
    expect(failed.deploymentConfiguration?.deploymentCircuitBreaker?.thresholdConfiguration).toEqual({
      type: 'COUNT',
      value: 2,
    });
  });

  test('rollback returns the last COMPLETED deployment to IN_PROGRESS and keeps the failed one listed while it drains (old: a new deployment id, the failed one gone)', async () => {
    const v1 = await service('back', scripted(BASE_IMAGE, { MODE: 'serve' }, { healthCheck: HEALTH_CHECK }), {
      deploymentConfiguration: breaker({ rollback: true }),
    });
    const completed = (await rollout('back', 'COMPLETED')).deployments![0]!.id!;
    const bad = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'back',
        containerDefinitions: [scripted(BASE_IMAGE, { MODE: 'crash' }, { healthCheck: HEALTH_CHECK })],
      }),
    );
    const updated = await ecs.send(
      new UpdateServiceCommand({
        cluster: CLUSTER,
        service: 'back',
        taskDefinition: bad.taskDefinition!.taskDefinitionArn,
      }),
    );
    const failedId = updated.service!.deployments![0]!.id!;
    const rolledBack = await until('rollback', async () => {
      const s = await describeService(ecs, CLUSTER, 'back');
      return s.deployments?.[0]?.id === completed ? s : undefined;
    });
    expect(rolledBack.deployments!.map((d) => [d.id, d.status, d.rolloutState])).toEqual([
      [completed, 'PRIMARY', 'IN_PROGRESS'],
      [failedId, 'ACTIVE', 'FAILED'],
    ]);
    expect(rolledBack.deployments![0]!.rolloutStateReason).toBe(
      `ECS deployment circuit breaker: rolling back to deploymentId ${completed}.`,
    );
    expect(rolledBack.taskDefinition).toBe(v1);
    const again = await rollout('back', 'COMPLETED');
    expect(again.deployments!.map((d) => d.id)).toEqual([completed]);
  });

  test('with no COMPLETED deployment to go back to, the failed one stays PRIMARY and nothing more is launched (stalled)', async () => {
    await service('stall', scripted(BASE_IMAGE, { MODE: 'crash' }), {
      deploymentConfiguration: breaker({ rollback: true }),
    });
    const failed = await rollout('stall', 'FAILED');
    expect(failed.deployments).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 3000));
    const later = await describeService(ecs, CLUSTER, 'stall');
    expect(later.deployments!.map((d) => [d.id, d.rolloutState])).toEqual([[failed.deployments![0]!.id, 'FAILED']]);
    expect(later.runningCount! + later.pendingCount!).toBe(0);
    expect((await tasksOf(ecs, CLUSTER, 'stall', 'STOPPED')).length).toBe(3);
  });
});

describe('launch failures and exit codes', () => {
  test('an image that cannot be pulled and a secret that cannot be read: stopped reasons and placement events (old: no event)', async () => {
    await service('nopull', { name: 'app', image: 'localhost:5000/deploy-ecs-test/nope:1' });
    await service('nosecret', {
      ...scripted(BASE_IMAGE, { MODE: 'serve' }),
      secrets: [{ name: 'DB', valueFrom: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:missing-abcdef' }],
    });
    for (const [name, reason] of [
      ['nopull', /^CannotPullContainerError: /],
      ['nosecret', /^ResourceInitializationError: unable to pull secrets or registry auth: /],
    ] as const) {
      const [task] = await until(`${name} stopped`, async () => {
        const tasks = await tasksOf(ecs, CLUSTER, name, 'STOPPED');
        return tasks.length ? tasks : undefined;
      });
      expect(task!.stopCode).toBe('TaskFailedToStart');
      expect(task!.stoppedReason).toMatch(reason);
      const events = (await describeService(ecs, CLUSTER, name)).events!.map((e) => e.message);
      expect(events).toContain(`(service ${name}) was unable to place a task. Reason: ${task!.stoppedReason}`);
      await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: name, desiredCount: 0 }));
    }
  });

  test('a container that exits 0 on SIGTERM reports exit code 0 (old: 143 invented)', async () => {
    await service('term', scripted(BASE_IMAGE, { MODE: 'serve' }));
    const [task] = await until('running', async () => {
      const tasks = (await tasksOf(ecs, CLUSTER, 'term', 'RUNNING')).filter((t) => t.lastStatus === 'RUNNING');
      return tasks.length ? tasks : undefined;
    });
    await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'term', desiredCount: 0 }));
    await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task!.taskArn, reason: 'test' }));
    const stopped = await until('stopped', async () => {
      const [t] = (await tasksOf(ecs, CLUSTER, 'term', 'STOPPED')).filter((t) => t.lastStatus === 'STOPPED');
      return t;
    });
    expect(stopped.containers![0]!.exitCode).toBe(0);
  });
});

describe('API rules', () => {
  test('awsvpc: networkConfiguration is required, tasks report an ENI and a private IP, no host port (old: accepted without, hostPort reported)', async () => {
    const td = {
      networkMode: 'awsvpc' as const,
      requiresCompatibilities: ['FARGATE' as const],
      cpu: '256',
      memory: '512',
    };
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'vpc',
        containerDefinitions: [scripted(BASE_IMAGE, { MODE: 'serve' })],
        ...td,
      }),
    );
    const arn = taskDefinition!.taskDefinitionArn!;
    await expect(
      ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: 'vpc', taskDefinition: arn })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    });
    const networkConfiguration = {
      awsvpcConfiguration: {
        subnets: ['subnet-0abc'],
        securityGroups: ['sg-0abc'],
        assignPublicIp: 'DISABLED' as const,
      },
    };
    const created = await ecs.send(
      new CreateServiceCommand({ cluster: CLUSTER, serviceName: 'vpc', taskDefinition: arn, networkConfiguration }),
    );
    expect(created.service!.networkConfiguration).toEqual(networkConfiguration);
    const [task] = await until('vpc task running', async () => {
      const tasks = (await tasksOf(ecs, CLUSTER, 'vpc', 'RUNNING')).filter((t) => t.lastStatus === 'RUNNING');
      return tasks.length ? tasks : undefined;
    });
    const eni = task!.attachments![0]!;
    expect(eni).toMatchObject({ type: 'ElasticNetworkInterface', status: 'ATTACHED' });
    const ip = eni.details!.find((d) => d.name === 'privateIPv4Address')!.value!;
    expect(ip).toMatch(/^10\.0\.\d+\.\d+$/);
    expect(eni.details!.find((d) => d.name === 'subnetId')!.value).toBe('subnet-0abc');
    expect(task!.containers![0]!.networkInterfaces).toEqual([{ attachmentId: eni.id, privateIpv4Address: ip }]);
    expect(task!.containers![0]!.networkBindings).toEqual([]);
    await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'vpc', desiredCount: 0 }));
  });

  test('CreateService/UpdateService options are stored and returned (old: dropped)', async () => {
    await service('opts', scripted(BASE_IMAGE, { MODE: 'serve' }), {
      desiredCount: 0,
      propagateTags: 'SERVICE',
      enableExecuteCommand: true,
      platformVersion: '1.4.0',
      healthCheckGracePeriodSeconds: 30,
    });
    expect(await describeService(ecs, CLUSTER, 'opts')).toMatchObject({
      propagateTags: 'SERVICE',
      enableExecuteCommand: true,
      platformVersion: '1.4.0',
      healthCheckGracePeriodSeconds: 30,
    });
    const updated = await ecs.send(
      new UpdateServiceCommand({
        cluster: CLUSTER,
        service: 'opts',
        enableExecuteCommand: false,
        propagateTags: 'NONE',
      }),
    );
    expect(updated.service).toMatchObject({
      enableExecuteCommand: false,
      propagateTags: 'NONE',
      platformVersion: '1.4.0',
    });
  });

  test('ListClusters is paginated and DescribeServices takes at most 10 services (old: one page, any number)', async () => {
    await cluster(ecs, 'page-a');
    await cluster(ecs, 'page-b');
    const first = await ecs.send(new ListClustersCommand({ maxResults: 2 }));
    expect(first.clusterArns).toHaveLength(2);
    const rest = await ecs.send(new ListClustersCommand({ nextToken: first.nextToken }));
    expect([...first.clusterArns!, ...rest.clusterArns!]).toEqual(
      expect.arrayContaining([expect.stringMatching(/cluster\/page-a$/), expect.stringMatching(/cluster\/semantics$/)]),
    );
    const eleven = Array.from({ length: 11 }, (_, i) => `s${i}`);
    await expect(ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: eleven }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });
});
