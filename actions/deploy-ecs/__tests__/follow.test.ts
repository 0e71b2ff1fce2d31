import { describe, expect, test } from '@jest/globals';
import { fakeClock } from '../../../shared/clock.js';
import {
  type DeploymentView,
  decide,
  type FollowApi,
  follow,
  type ServiceView,
  type StoppedTask,
} from '../src/follow.js';

const ID = 'ecs-svc/1111111111111111111';
const OTHER = 'ecs-svc/2222222222222222222';
const dep = (
  id: string,
  status: string,
  rolloutState: string,
  extra: Partial<DeploymentView> = {},
): DeploymentView => ({
  id,
  status,
  rolloutState,
  taskDefinition: id === ID ? 'arn:td/app:2' : 'arn:td/app:1',
  ...extra,
});
const ev = (message: string, createdAt = 10) => ({ id: message, createdAt, message });
const base = { deploymentId: ID, failedTasks: 0, maxFailedTasks: 2, now: 0, deadline: 100 };

describe('decide: service snapshot -> outcome', () => {
  test.each<[string, ServiceView, Partial<typeof base>, string | undefined]>([
    [
      'in progress',
      { deployments: [dep(ID, 'PRIMARY', 'IN_PROGRESS'), dep(OTHER, 'ACTIVE', 'COMPLETED')], events: [] },
      {},
      undefined,
    ],
    ['completed', { deployments: [dep(ID, 'PRIMARY', 'COMPLETED')], events: [] }, {}, 'succeeded'],
    ['failed without rollback', { deployments: [dep(ID, 'PRIMARY', 'FAILED')], events: [] }, {}, 'failed'],
    [
      'circuit breaker rolled back',
      { deployments: [dep(OTHER, 'PRIMARY', 'IN_PROGRESS'), dep(ID, 'ACTIVE', 'FAILED')], events: [] },
      {},
      'rolled-back',
    ],
    [
      'rolled back and already drained: the event tells',
      {
        deployments: [dep(OTHER, 'PRIMARY', 'IN_PROGRESS')],
        events: [ev(`(service s) (deployment ${ID}) deployment failed: tasks failed to start.`)],
      },
      {},
      'rolled-back',
    ],
    [
      'someone else deployed',
      { deployments: [dep(OTHER, 'PRIMARY', 'IN_PROGRESS'), dep(ID, 'ACTIVE', 'IN_PROGRESS')], events: [] },
      {},
      'superseded',
    ],
    ['ours vanished', { deployments: [dep(OTHER, 'PRIMARY', 'COMPLETED')], events: [] }, {}, 'superseded'],
    [
      'too many failed tasks',
      { deployments: [dep(ID, 'PRIMARY', 'IN_PROGRESS')], events: [] },
      { failedTasks: 2 },
      'failed',
    ],
    [
      'failed tasks below the limit',
      { deployments: [dep(ID, 'PRIMARY', 'IN_PROGRESS')], events: [] },
      { failedTasks: 1 },
      undefined,
    ],
    [
      'limit off',
      { deployments: [dep(ID, 'PRIMARY', 'IN_PROGRESS')], events: [] },
      { failedTasks: 9, maxFailedTasks: 0 },
      undefined,
    ],
    ['deadline', { deployments: [dep(ID, 'PRIMARY', 'IN_PROGRESS')], events: [] }, { now: 100 }, 'timed-out'],
    [
      'completed wins at the deadline',
      { deployments: [dep(ID, 'PRIMARY', 'COMPLETED')], events: [] },
      { now: 100 },
      'succeeded',
    ],
  ])('%s', (_name, service, overrides, expected) => {
    expect(decide({ ...base, ...overrides, service })?.outcome).toBe(expected);
  });
});

const crash: StoppedTask = {
  taskArn: 'arn:aws:ecs:us-east-1:0:task/c/abcdef1234567890',
  taskDefinitionArn: 'arn:td/app:2',
  stoppedReason: 'Essential container in task exited',
  stopCode: 'EssentialContainerExited',
  containers: [{ name: 'app', exitCode: 3 }],
};

/** An API that plays a script of snapshots, one per poll (the last repeats). */
function scripted(snapshots: ServiceView[], stopped: StoppedTask[] = [], errors: Record<number, Error> = {}) {
  let poll = 0;
  const calls: string[] = [];
  const api: FollowApi = {
    async describeService() {
      calls.push('DescribeServices');
      const n = poll++;
      if (errors[n]) throw errors[n];
      return snapshots[Math.min(n, snapshots.length - 1)]!;
    },
    async listStoppedTasks() {
      calls.push('ListTasks');
      return stopped.map((t) => t.taskArn);
    },
    async describeTasks(arns) {
      calls.push('DescribeTasks');
      return stopped.filter((t) => arns.includes(t.taskArn));
    },
  };
  return { api, calls };
}

const logs = () => {
  const lines: string[] = [];
  return {
    lines,
    log: {
      event: (e: { message: string }) => lines.push(`event ${e.message}`),
      stopped: (t: StoppedTask) => lines.push(`stopped ${t.containers[0]?.exitCode}`),
      warn: (m: string) => lines.push(`warn ${m}`),
    },
  };
};

describe('follow: the poll loop', () => {
  const inProgress: ServiceView = {
    deployments: [dep(ID, 'PRIMARY', 'IN_PROGRESS'), dep(OTHER, 'ACTIVE', 'COMPLETED')],
    events: [],
  };

  test('succeeds within one poll of COMPLETED, one call per poll, new events only once', async () => {
    const clock = fakeClock(0);
    const done: ServiceView = {
      deployments: [dep(ID, 'PRIMARY', 'COMPLETED')],
      events: [ev('steady', 30), ev('started', 5)],
    };
    const { api, calls } = scripted([inProgress, { ...inProgress, events: [ev('started', 5)] }, done]);
    const { lines, log } = logs();
    const result = await follow(api, {
      deploymentId: ID,
      deadline: 60_000,
      pollIntervalMs: 10_000,
      maxFailedTasks: 2,
      since: 0,
      clock,
      random: () => 0.5,
      log,
    });
    expect(result.outcome).toBe('succeeded');
    expect(result.polls).toBe(3);
    expect(calls).toEqual(['DescribeServices', 'DescribeServices', 'DescribeServices']);
    expect(lines).toEqual(['event started', 'event steady']);
    expect(clock.slept).toEqual([10_000, 10_000]);
  });

  test('fails after max-failed-tasks stopped tasks, reporting exit codes, before any circuit breaker', async () => {
    const clock = fakeClock(0);
    const failing = (n: number): ServiceView => ({
      deployments: [dep(ID, 'PRIMARY', 'IN_PROGRESS', { failedTasks: n })],
      events: [],
    });
    const second = { ...crash, taskArn: `${crash.taskArn}2` };
    const { api, calls } = scripted([failing(0), failing(1), failing(2)], [crash, second]);
    const { lines, log } = logs();
    const result = await follow(api, {
      deploymentId: ID,
      deadline: 600_000,
      pollIntervalMs: 5_000,
      maxFailedTasks: 2,
      since: 0,
      clock,
      random: () => 0.5,
      log,
    });
    expect(result.outcome).toBe('failed');
    expect(result.polls).toBe(2);
    expect(result.firstFailureAt).toBe(5_000);
    expect(lines).toEqual(['stopped 3', 'stopped 3']);
    expect(calls).toEqual(['DescribeServices', 'DescribeServices', 'ListTasks', 'DescribeTasks']);
  });

  test('times out at the deadline, never sleeping past it', async () => {
    const clock = fakeClock(0);
    const { api } = scripted([inProgress]);
    const result = await follow(api, {
      deploymentId: ID,
      deadline: 25_000,
      pollIntervalMs: 10_000,
      maxFailedTasks: 2,
      since: 0,
      clock,
      random: () => 0.5,
      log: logs().log,
    });
    expect(result.outcome).toBe('timed-out');
    expect(clock.now()).toBe(25_000);
  });

  test('throttled polls back off (doubling, jittered) and recover; other errors are fatal', async () => {
    const clock = fakeClock(0);
    const throttle = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const done: ServiceView = { deployments: [dep(ID, 'PRIMARY', 'COMPLETED')], events: [] };
    const { api } = scripted([inProgress, inProgress, inProgress, done], [], { 0: throttle, 1: throttle });
    const result = await follow(api, {
      deploymentId: ID,
      deadline: 600_000,
      pollIntervalMs: 1_000,
      maxFailedTasks: 2,
      since: 0,
      clock,
      random: () => 0.5,
      isThrottling: (e) => (e as Error).name === 'ThrottlingException',
      log: logs().log,
    });
    expect(result.outcome).toBe('succeeded');
    expect(result.throttled).toBe(2);
    expect(clock.slept).toEqual([2_000, 4_000, 2_000]);
    const fatal = scripted([inProgress], [], {
      0: Object.assign(new Error('nope'), { name: 'AccessDeniedException' }),
    });
    await expect(
      follow(fatal.api, {
        deploymentId: ID,
        deadline: 10_000,
        pollIntervalMs: 1_000,
        maxFailedTasks: 2,
        since: 0,
        clock,
        log: logs().log,
      }),
    ).rejects.toThrow('nope');
  });
});

/**
 * Under ECS's own semantics (ECS API reference, Deployment.failedTasks: consecutive, reset to zero
 * once the deployment has a successfully running task; developer guide, deployment circuit breaker:
 * tasks without health checks count 40 s after RUNNING, rollback to the last COMPLETED deployment,
 * which keeps its id and returns to IN_PROGRESS, no rollback when there is none).
 */
describe('decide under ECS semantics', () => {
  // OTHER is the last COMPLETED deployment; a circuit-breaker rollback makes it PRIMARY/IN_PROGRESS again.
  const breakerReason = `ECS deployment circuit breaker: rolling back to deploymentId ${OTHER}.`;
  test.each<[string, ServiceView, Partial<typeof base>, string | undefined, RegExp]>([
    [
      'flaky deploy: ECS reset its count, one failure since, 3 of 4 running: keep following',
      {
        deployments: [
          dep(ID, 'PRIMARY', 'IN_PROGRESS', { failedTasks: 0, runningCount: 3, desiredCount: 4 }),
          dep(OTHER, 'ACTIVE', 'COMPLETED'),
        ],
        events: [],
      },
      { failedTasks: 1 },
      undefined,
      /./,
    ],
    [
      'slow start without health checks: all tasks RUNNING but not yet counted (40 s): not succeeded yet',
      {
        deployments: [
          dep(ID, 'PRIMARY', 'IN_PROGRESS', { runningCount: 2, desiredCount: 2 }),
          dep(OTHER, 'ACTIVE', 'COMPLETED', { runningCount: 2, desiredCount: 2 }),
        ],
        events: [],
      },
      {},
      undefined,
      /./,
    ],
    [
      'stalled breaker rollback: FAILED and still PRIMARY (no COMPLETED deployment to return to)',
      {
        deployments: [
          dep(ID, 'PRIMARY', 'FAILED', {
            rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
          }),
        ],
        events: [],
      },
      {},
      'failed',
      /tasks failed to start.*stays on the failed deployment/,
    ],
    [
      'breaker rollback in progress: the failed deployment is kept while it drains',
      {
        deployments: [
          dep(OTHER, 'PRIMARY', 'IN_PROGRESS', { rolloutStateReason: breakerReason }),
          dep(ID, 'ACTIVE', 'FAILED', { rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.' }),
        ],
        events: [],
      },
      {},
      'rolled-back',
      new RegExp(`rolled back to arn:td/app:1 \\(deployment ${OTHER}: ECS deployment circuit breaker: rolling back`),
    ],
    [
      'drained failed deployment: gone from the list, the event and the returned deployment tell',
      {
        deployments: [dep(OTHER, 'PRIMARY', 'COMPLETED')],
        events: [ev(`(service s) (deployment ${ID}) deployment failed: tasks failed to start.`)],
      },
      {},
      'rolled-back',
      /deployment failed: tasks failed to start/,
    ],
  ])('%s', (_name, service, overrides, expected, reason) => {
    const decision = decide({ ...base, ...overrides, service });
    expect(decision?.outcome).toBe(expected);
    expect(decision?.reason ?? '-').toMatch(reason);
  });
});

describe('follow under ECS semantics', () => {
  const at = (n: number, running: number, desired = 2, rolloutState = 'IN_PROGRESS'): ServiceView => ({
    deployments: [
      dep(ID, 'PRIMARY', rolloutState, { failedTasks: n, runningCount: running, desiredCount: desired }),
      ...(rolloutState === 'COMPLETED' ? [] : [dep(OTHER, 'ACTIVE', 'COMPLETED')]),
    ],
    events: [],
  });
  const failure = (n: number): StoppedTask => ({ ...crash, taskArn: `${crash.taskArn}${n}` });

  /** Stopped tasks appear in ListTasks from the poll (0-based) given with each. */
  function growing(snapshots: ServiceView[], stopped: [number, StoppedTask][]) {
    let poll = 0;
    const api: FollowApi = {
      async describeService() {
        return snapshots[Math.min(poll++, snapshots.length - 1)]!;
      },
      async listStoppedTasks() {
        return stopped.filter(([from]) => from < poll).map(([, t]) => t.taskArn);
      },
      async describeTasks(arns) {
        return stopped.map(([, t]) => t).filter((t) => arns.includes(t.taskArn));
      },
    };
    return api;
  }
  const run = (api: FollowApi, maxFailedTasks: number, lines: string[] = []) =>
    follow(api, {
      deploymentId: ID,
      deadline: 600_000,
      pollIntervalMs: 10_000,
      maxFailedTasks,
      since: 0,
      clock: fakeClock(0),
      random: () => 0.5,
      log: { ...logs().log, info: (m: string) => lines.push(m) },
    });

  test('flaky deploy: a failure, a running task (ECS resets its count), another failure, then COMPLETED: succeeded', async () => {
    const api = growing(
      [at(1, 0), at(0, 2), at(0, 1), at(0, 2), at(0, 2, 2, 'COMPLETED')],
      [
        [0, failure(1)],
        [2, failure(2)],
      ],
    );
    const lines: string[] = [];
    const result = await run(api, 2, lines);
    expect(result.outcome).toBe('succeeded');
    expect(result.stoppedTasks.map((t) => t.taskArn)).toEqual([failure(1).taskArn, failure(2).taskArn]);
    expect(result.failureCountResets).toBe(1);
    expect(lines).toEqual([expect.stringContaining('ECS reset the failed-task count')]);
  });

  test('max-failed-tasks counts consecutive failures and starts again when ECS resets its count', async () => {
    // 1 failure, reset (a task ran), then 2 in a row: failed at the second one after the reset, not at the first.
    // After the reset ECS no longer counts (failedTasks stays 0): the stopped tasks are looked at anyway.
    const api = growing(
      [at(1, 0), at(0, 1), at(0, 0), at(0, 0)],
      [
        [0, failure(1)],
        [2, failure(2)],
        [3, failure(3)],
      ],
    );
    const result = await run(api, 2);
    expect(result.outcome).toBe('failed');
    expect(result.polls).toBe(4);
    expect(result.reason).toMatch(/2 tasks of deployment \S+ stopped \(max-failed-tasks: 2\)/);
    expect(result.stoppedTasks).toHaveLength(3);
  });

  test('slow start without health checks: RUNNING for 40 s is not success; COMPLETED is', async () => {
    const api = growing([at(0, 2), at(0, 2), at(0, 2), at(0, 2), at(0, 2), at(0, 2, 2, 'COMPLETED')], []);
    const result = await run(api, 2);
    expect(result.outcome).toBe('succeeded');
    expect(result.polls).toBe(6);
  });

  test('a task that crashes after RUNNING but before it counted (40 s) is a failure: ECS did not reset', async () => {
    const api = growing([at(0, 1, 1), at(1, 0, 1)], [[1, failure(1)]]);
    const result = await run(api, 1);
    expect(result.outcome).toBe('failed');
    expect(result.failureCountResets).toBe(0);
    expect(result.polls).toBe(2);
  });

  test('stalled breaker rollback: failed within one poll, the service left on the failed deployment', async () => {
    const stalled: ServiceView = {
      deployments: [dep(ID, 'PRIMARY', 'FAILED', { failedTasks: 3, rolloutStateReason: 'circuit breaker' })],
      events: [],
    };
    const api = growing([at(1, 0), stalled], [[0, failure(1)]]);
    const result = await run(api, 0);
    expect(result.outcome).toBe('failed');
    expect(result.polls).toBe(2);
    expect(result.reason).toMatch(/stays on the failed deployment/);
  });
});
