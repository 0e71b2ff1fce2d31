import { describe, expect, test } from '@jest/globals';
import { fakeClock } from '../../../shared/clock.js';
import { type FollowApi, follow, type ServiceView } from '../src/follow.js';
import {
  findTarget,
  type LoadBalancerView,
  type TargetState,
  type TargetsApi,
  TargetWatch,
  type TaskEndpoints,
  targetGroupName,
} from '../src/targets.js';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-staging/0123456789abcdef';
const lb: LoadBalancerView = { targetGroupArn: TG, containerName: 'app', containerPort: 8080 };
const ID = 'ecs-svc/1111111111111111111';
const awsvpc = (n: number, ip: string): TaskEndpoints => ({
  taskArn: `arn:aws:ecs:us-east-1:123456789012:task/c/task${n}`,
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2',
  privateIp: ip,
  bindings: [{ containerName: 'app', containerPort: 8080 }],
});
const bridge = (n: number, hostPort: number): TaskEndpoints => ({
  taskArn: `arn:aws:ecs:us-east-1:123456789012:task/c/task${n}`,
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2',
  bindings: [{ containerName: 'app', containerPort: 8080, hostPort }],
});
const target = (id: string, port: number, state: string, reason?: string): TargetState => ({
  id,
  port,
  state,
  reason,
  description: reason === 'Target.FailedHealthChecks' ? 'Health checks failed' : undefined,
});

describe('findTarget: a task to its target', () => {
  const targets = [
    target('10.0.1.5', 8080, 'healthy'),
    target('10.0.1.6', 8080, 'unhealthy', 'Target.FailedHealthChecks'),
    target('i-0abc', 32768, 'initial', 'Elb.InitialHealthChecking'),
  ];
  test.each<[string, TaskEndpoints, string | undefined]>([
    ['awsvpc by private IP and container port', awsvpc(1, '10.0.1.6'), 'unhealthy'],
    ['awsvpc not registered (yet)', awsvpc(2, '10.0.1.9'), undefined],
    ['bridge by host port', bridge(3, 32768), 'initial'],
    ['bridge with another port', bridge(4, 32769), undefined],
  ])('%s', (_name, task, state) => {
    expect(findTarget(task, lb, targets)?.state).toBe(state);
  });

  test('the target group name from its ARN', () => {
    expect(targetGroupName(TG)).toBe('web-staging');
  });
});

/** Target health per poll (the last repeats); tasks per poll likewise. */
function elb(tasks: TaskEndpoints[][], health: TargetState[][], fault?: Error) {
  let poll = 0;
  let calls = 0;
  const api: TargetsApi = {
    async runningTasks() {
      return tasks[Math.min(poll, tasks.length - 1)]!;
    },
    async targetHealth(arn) {
      calls++;
      expect(arn).toBe(TG);
      if (fault) throw fault;
      return health[Math.min(poll++, health.length - 1)]!;
    },
  };
  return { api, calls: () => calls };
}

const quiet = () => {
  const lines: string[] = [];
  return { lines, log: { warn: (m: string) => lines.push(`warn ${m}`), info: (m: string) => lines.push(`info ${m}`) } };
};

describe('TargetWatch', () => {
  test('names the task that never became healthy, with the reason code, even after its target drained', async () => {
    const good = awsvpc(1, '10.0.1.5');
    const bad = awsvpc(2, '10.0.1.6');
    const { api } = elb(
      [[good, bad], [good, bad], [good, bad], [good]],
      [
        [target('10.0.1.5', 8080, 'initial', 'Elb.InitialHealthChecking'), target('10.0.1.6', 8080, 'initial')],
        [target('10.0.1.5', 8080, 'healthy'), target('10.0.1.6', 8080, 'unhealthy', 'Target.FailedHealthChecks')],
        [target('10.0.1.5', 8080, 'healthy'), target('10.0.1.6', 8080, 'unhealthy', 'Target.FailedHealthChecks')],
        [target('10.0.1.5', 8080, 'healthy'), target('10.0.1.6', 8080, 'draining', 'Target.DeregistrationInProgress')],
      ],
    );
    const { lines, log } = quiet();
    const watch = new TargetWatch(api, [lb], ID, log);
    for (let i = 0; i < 4; i++) await watch.observe();
    expect(watch.neverHealthy()).toEqual([
      expect.objectContaining({ taskArn: bad.taskArn, state: 'unhealthy', reason: 'Target.FailedHealthChecks' }),
    ]);
    expect(watch.health.find((h) => h.taskArn === good.taskArn)).toMatchObject({ everHealthy: true });
    // One line per change, the unhealthy one as a warning.
    expect(lines).toEqual([
      'info task task1 in target group web-staging (10.0.1.5:8080): initial (Elb.InitialHealthChecking)',
      'info task task2 in target group web-staging (10.0.1.6:8080): initial',
      'info task task1 in target group web-staging (10.0.1.5:8080): healthy',
      'warn task task2 in target group web-staging (10.0.1.6:8080): unhealthy (Target.FailedHealthChecks: Health checks failed)',
    ]);
  });

  test('an error that is not transient stops the watch with one warning; the deploy goes on', async () => {
    const denied = Object.assign(new Error('not authorized to DescribeTargetHealth'), {
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    const { api, calls } = elb([[awsvpc(1, '10.0.1.5')]], [[]], denied);
    const { lines, log } = quiet();
    const watch = new TargetWatch(api, [lb], ID, log);
    await watch.observe();
    await watch.observe();
    expect(calls()).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(/^warn target health not followed \(not authorized.*DescribeTargetHealth/),
    ]);
  });

  test('a transient error skips one poll only', async () => {
    const unavailable = Object.assign(new Error('busy'), { name: 'ServiceUnavailable', $fault: 'server' });
    const { api, calls } = elb([[awsvpc(1, '10.0.1.5')]], [[]], unavailable);
    const watch = new TargetWatch(api, [lb], ID, quiet().log);
    await watch.observe();
    await watch.observe();
    expect(calls()).toBe(2);
  });
});

describe('follow with target groups', () => {
  const inProgress: ServiceView = {
    deployments: [{ id: ID, status: 'PRIMARY', taskDefinition: 'web:2', rolloutState: 'IN_PROGRESS', runningCount: 1 }],
    events: [],
  };
  const api: FollowApi = {
    describeService: async () => inProgress,
    listStoppedTasks: async () => [],
    describeTasks: async () => [],
  };

  test('a deploy that times out names the task the load balancer never found healthy', async () => {
    const { api: targets } = elb(
      [[awsvpc(2, '10.0.1.6')]],
      [[target('10.0.1.6', 8080, 'unhealthy', 'Target.FailedHealthChecks')]],
    );
    const watch = new TargetWatch(targets, [lb], ID, quiet().log);
    const result = await follow(api, {
      deploymentId: ID,
      deadline: 30_000,
      pollIntervalMs: 10_000,
      maxFailedTasks: 2,
      since: 0,
      clock: fakeClock(0),
      random: () => 0.5,
      log: { event() {}, stopped() {}, warn() {} },
      targets: watch,
    });
    expect(result.outcome).toBe('timed-out');
    expect(result.reason).toMatch(
      /never healthy in the load balancer: task task2 in target group web-staging \(10\.0\.1\.6:8080\): unhealthy \(Target\.FailedHealthChecks/,
    );
    expect(result.targets).toHaveLength(1);
  });
});
