/**
 * ECS services behind an ELBv2 target group, with HAProxy in front of real containers: tasks are
 * registered when RUNNING and count as healthy only when the target group says so; a rolling deploy
 * (minimumHealthyPercent 100, maximumPercent 200) deregisters and drains each old task before it
 * gets SIGTERM; a steady load through the listener sees no failed request.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { type AwsEmulator, startEmulator } from '../src/server.js';
import { HEALTH_CHECK, type TestImage, testImages } from '../testing/images.js';

const ROOT = join(import.meta.dirname, '../../../..');
const HAPROXY_SH = join(ROOT, 'local/infra/haproxy.sh');
const LISTENER_PORT = 18180;
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy' };

let state: string;
let haproxyEnv: NodeJS.ProcessEnv;
let emulator: AwsEmulator;
let images: Record<TestImage, string>;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'elbv2-ecs-haproxy-'));
  haproxyEnv = {
    ...process.env,
    HAPROXY_STATE_DIR: state,
    HAPROXY_LISTENER_PORTS: `${LISTENER_PORT}-${LISTENER_PORT + 3}`,
    HAPROXY_BACKENDS: '4',
  };
  execFileSync('bash', [HAPROXY_SH, 'up'], { env: haproxyEnv, stdio: 'pipe' });
  process.env.ELBV2_HAPROXY_INFO = join(state, 'haproxy.json');
  [emulator, images] = await Promise.all([
    startEmulator({ port: 0, tickMs: 200, healthIntervalCapMs: 500, hostPortRange: [32300, 32399] }),
    testImages(),
  ]);
  ecs = new ECSClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials, maxAttempts: 5 });
  elb = new ElasticLoadBalancingV2Client({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials,
    maxAttempts: 2,
  });
}, 300_000);

afterAll(async () => {
  ecs?.destroy();
  elb?.destroy();
  await emulator?.stop();
  if (state) {
    execFileSync('bash', [HAPROXY_SH, 'down'], { env: haproxyEnv, stdio: 'pipe' });
    rmSync(state, { recursive: true, force: true });
  }
  delete process.env.ELBV2_HAPROXY_INFO;
});

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const taskDefinition = (image: string) => ({
  family: 'lb-app',
  containerDefinitions: [
    { name: 'app', image, essential: true, portMappings: [{ containerPort: 8080 }], healthCheck: HEALTH_CHECK },
  ],
  cpu: '256',
  memory: '512',
});

async function get(): Promise<string> {
  try {
    const res = await fetch(`http://127.0.0.1:${LISTENER_PORT}/`);
    const text = (await res.text()).trim();
    return res.ok ? text : `HTTP ${res.status}`;
  } catch (error) {
    return `error ${(error as Error).cause ?? (error as Error).message}`;
  }
}

test('a rolling deploy behind the load balancer: LB health gates it, old tasks drain before SIGTERM, no request fails', async () => {
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'ecs-web', Subnets: ['subnet-a'] })))
    .LoadBalancers![0]!;
  const tg = (
    await elb.send(
      new CreateTargetGroupCommand({
        Name: 'ecs-web',
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: 'vpc-1',
        TargetType: 'instance',
        HealthCheckPath: '/health',
        HealthCheckIntervalSeconds: 5,
        HealthCheckTimeoutSeconds: 2,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
      }),
    )
  ).TargetGroups![0]!.TargetGroupArn!;
  await elb.send(
    new ModifyTargetGroupAttributesCommand({
      TargetGroupArn: tg,
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '2' }],
    }),
  );
  await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancerArn,
      Port: LISTENER_PORT,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }],
    }),
  );
  await ecs.send(new CreateClusterCommand({ clusterName: 'lb' }));
  const v1 = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(images.v1)));
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'lb',
      serviceName: 'web',
      taskDefinition: v1.taskDefinition!.taskDefinitionArn,
      desiredCount: 2,
      loadBalancers: [{ targetGroupArn: tg, containerName: 'app', containerPort: 8080 }],
      deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
    }),
  );
  const describe = async () =>
    (await ecs.send(new DescribeServicesCommand({ cluster: 'lb', services: ['web'] }))).services![0]!;
  await until('v1 COMPLETED', async () =>
    (await describe()).deployments?.[0]?.rolloutState === 'COMPLETED' ? true : undefined,
  );
  const targets = async () =>
    (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions ?? [];
  const before = await targets();
  expect(before.map((d) => d.TargetHealth!.State)).toEqual(['healthy', 'healthy']);
  expect(await get()).toBe('version v1');

  // A steady load (at most 100 requests a second, bounded in count), and a watcher that records,
  // for every target seen draining, whether its task was still RUNNING (no SIGTERM yet).
  let stop = false;
  const results: string[] = [];
  const load = (async () => {
    for (let i = 0; !stop && i < 20_000; i++) {
      const started = Date.now();
      results.push(await get());
      await new Promise((r) => setTimeout(r, Math.max(0, 10 - (Date.now() - started))));
    }
  })();
  const drainedWhileRunning = new Map<number, string>();
  const watch = (async () => {
    while (!stop) {
      const draining = (await targets())
        .filter((d) => d.TargetHealth!.State === 'draining')
        .map((d) => d.Target!.Port!);
      if (draining.length) {
        // Tasks being stopped have desiredStatus STOPPED: ListTasks lists them only when asked.
        const arns = await Promise.all(
          (['RUNNING', 'STOPPED'] as const).map(
            async (desiredStatus) =>
              (await ecs.send(new ListTasksCommand({ cluster: 'lb', serviceName: 'web', desiredStatus }))).taskArns ??
              [],
          ),
        );
        const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'lb', tasks: arns.flat() }));
        for (const port of draining) {
          const task = tasks?.find((t) => t.containers?.[0]?.networkBindings?.[0]?.hostPort === port);
          if (task && !drainedWhileRunning.has(port)) drainedWhileRunning.set(port, task.lastStatus ?? '');
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  await new Promise((r) => setTimeout(r, 1000));
  const v2 = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(images.v2)));
  await ecs.send(
    new UpdateServiceCommand({ cluster: 'lb', service: 'web', taskDefinition: v2.taskDefinition!.taskDefinitionArn }),
  );
  await until('v2 COMPLETED with two targets', async () => {
    const s = await describe();
    const t = await targets();
    return s.deployments?.length === 1 && s.deployments[0]!.rolloutState === 'COMPLETED' && t.length === 2
      ? true
      : undefined;
  });
  await new Promise((r) => setTimeout(r, 1000));
  stop = true;
  await Promise.all([load, watch]);

  const failed = results.filter((r) => r !== 'version v1' && r !== 'version v2');
  console.log(`rolling deploy behind HAProxy: ${results.length} requests, ${failed.length} failed`);
  expect(failed).toEqual([]);
  expect(results.at(-1)).toBe('version v2');
  expect((await targets()).map((d) => d.TargetHealth!.State)).toEqual(['healthy', 'healthy']);
  // Both v1 targets were seen draining while their task still ran (RUNNING, or DEACTIVATING as ECS
  // names a task that leaves its load balancer): deregistered before SIGTERM.
  const oldPorts = before.map((d) => d.Target!.Port!);
  for (const port of oldPorts) expect(['RUNNING', 'DEACTIVATING']).toContain(drainedWhileRunning.get(port));
  // The service events ECS writes for it: four registrations (two v1, two v2), two drains.
  const messages = (await describe()).events!.map((e) => e.message!);
  const count = (text: string) => messages.filter((m) => m.includes(text)).length;
  expect(count(`(service web) registered 1 targets in (target-group ${tg})`)).toBe(4);
  expect(count('(service web) has begun draining connections on 1 tasks.')).toBe(2);
  expect(count(`(service web) deregistered 1 targets in (target-group ${tg})`)).toBe(2);
}, 300_000);

test('loadBalancers ECS refuses before anything changes: unknown target group, one without a load balancer, container or port not in the task definition', async () => {
  const td = await ecs.send(new RegisterTaskDefinitionCommand({ ...taskDefinition(images.v1), family: 'lb-bad' }));
  const orphan = (
    await elb.send(new CreateTargetGroupCommand({ Name: 'orphan', Protocol: 'HTTP', Port: 8080, VpcId: 'vpc-1' }))
  ).TargetGroups![0]!.TargetGroupArn!;
  const used = (
    await elb.send(
      new CreateTargetGroupCommand({
        Name: 'ecs-web',
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: 'vpc-1',
        HealthCheckPath: '/health',
        HealthCheckIntervalSeconds: 5,
        HealthCheckTimeoutSeconds: 2,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
      }),
    )
  ).TargetGroups![0]!.TargetGroupArn!;
  const attempt = (loadBalancers: { targetGroupArn: string; containerName: string; containerPort: number }[]) =>
    ecs.send(
      new CreateServiceCommand({
        cluster: 'lb',
        serviceName: 'refused',
        taskDefinition: td.taskDefinition!.taskDefinitionArn,
        loadBalancers,
      }),
    );
  await expect(
    attempt([{ targetGroupArn: `${orphan}0`, containerName: 'app', containerPort: 8080 }]),
  ).rejects.toMatchObject({
    name: 'InvalidParameterException',
    message: expect.stringContaining('Unable to assume role and validate the specified targetGroupArn'),
  });
  await expect(attempt([{ targetGroupArn: orphan, containerName: 'app', containerPort: 8080 }])).rejects.toMatchObject({
    message: `The target group with targetGroupArn ${orphan} does not have an associated load balancer.`,
  });
  await expect(attempt([{ targetGroupArn: used, containerName: 'web', containerPort: 8080 }])).rejects.toMatchObject({
    message: 'The container web does not exist in the task definition.',
  });
  await expect(attempt([{ targetGroupArn: used, containerName: 'app', containerPort: 9090 }])).rejects.toMatchObject({
    message: 'The container app did not have a container port 9090 defined.',
  });
  const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'lb', services: ['refused'] }));
  expect(services).toEqual([]);
});
