/**
 * deploy() end to end over a scripted ECS API: each snapshot decides at the first poll, so nothing
 * sleeps. The typed result goes through conclude(), as main() does.
 */
import { describe, expect, test } from '@jest/globals';
import type { EcsApi, ServiceState } from '../src/api.js';
import { deploy } from '../src/deploy.js';
import type { DeploymentView, StoppedTask } from '../src/follow.js';
import type { Inputs } from '../src/inputs.js';
import { conclude } from '../src/outcome.js';

const TD1 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';
const TD2 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';
const OLD = 'ecs-svc/1000000000000000001';
const NEW = 'ecs-svc/2000000000000000002';
const ROLLBACK = 'ecs-svc/3000000000000000003';

const dep = (id: string, status: string, rolloutState: string, taskDefinition: string): DeploymentView => ({
  id,
  status,
  rolloutState,
  taskDefinition,
  rolloutStateReason: `${id} ${rolloutState}`,
});
const state = (taskDefinition: string, deployments: DeploymentView[]): ServiceState => ({
  arn: 'arn:aws:ecs:us-east-1:123456789012:service/c/web',
  status: 'ACTIVE',
  taskDefinition,
  desiredCount: 1,
  deploymentController: 'ECS',
  deploymentConfiguration: {},
  loadBalancers: [],
  tags: {},
  deployments,
  events: [],
});
const crash: StoppedTask = {
  taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/crash1',
  taskDefinitionArn: TD2,
  stoppedReason: 'Essential container in task exited',
  stopCode: 'EssentialContainerExited',
  containers: [{ name: 'app', exitCode: 3 }],
};

/**
 * A service on web:1; after each UpdateService the next script entry is what DescribeServices
 * answers (the last repeats). Records the calls that change something.
 */
function fakeEcs(afterUpdates: ServiceState[][]) {
  const changes: string[] = [];
  let current = state(TD1, [dep(OLD, 'PRIMARY', 'COMPLETED', TD1)]);
  let updates = 0;
  let polls = 0;
  const definition = {
    taskDefinitionArn: TD1,
    family: 'web',
    revision: 1,
    status: 'ACTIVE',
    containerDefinitions: [{ name: 'app', image: 'repo/web:1' }],
  };
  const api = {
    calls: 0,
    async describeService() {
      const script = afterUpdates[updates - 1];
      if (!script) return current;
      current = script[Math.min(polls++, script.length - 1)]!;
      return current;
    },
    async describeTaskDefinition(reference: string) {
      if (reference === 'web') throw new Error('not registered');
      return { taskDefinition: definition, tags: [] };
    },
    async register() {
      changes.push('register');
      return TD2;
    },
    async tagService() {
      changes.push('tag');
    },
    async update(input: { taskDefinition: string }) {
      changes.push(`update ${input.taskDefinition.slice(input.taskDefinition.lastIndexOf('/') + 1)}`);
      updates++;
      polls = 0;
      const id = updates === 1 ? NEW : ROLLBACK;
      return state(input.taskDefinition, [
        dep(id, 'PRIMARY', 'IN_PROGRESS', input.taskDefinition),
        dep(OLD, 'ACTIVE', 'COMPLETED', TD1),
      ]);
    },
    async listStoppedTasks() {
      return [crash.taskArn];
    },
    async describeTasks() {
      return [crash];
    },
    async runningTasks() {
      return [];
    },
  } as unknown as EcsApi;
  return { api, changes };
}

const inputs = (extra: Partial<Inputs> = {}): Inputs =>
  ({
    source: { kind: 'current' },
    containerImages: { app: 'repo/web:2' },
    environment: {},
    allowPlaintextSecrets: [],
    forceNewDeployment: false,
    wait: true,
    timeout: 60_000,
    pollInterval: 1_000,
    maxFailedTasks: 1,
    rollbackOnFailure: true,
    keepRevisions: 0,
    ...extra,
  }) as Inputs;

async function verdict(api: EcsApi, options: Partial<Inputs> = {}) {
  const service = await api.describeService();
  const result = await deploy(api, inputs(options), service, Date.now() + 60_000);
  return { result, conclusion: conclude({ mode: 'deploy', cluster: 'c', service: 'web', result }) };
}

describe('deploy: rollout, recovery and verdict', () => {
  test('circuit breaker rolled back to the last COMPLETED deployment (same id), followed to completion: rolled-back', async () => {
    const { api, changes } = fakeEcs([
      [
        state(TD1, [dep(OLD, 'PRIMARY', 'IN_PROGRESS', TD1), dep(NEW, 'ACTIVE', 'FAILED', TD2)]),
        state(TD1, [dep(OLD, 'PRIMARY', 'IN_PROGRESS', TD1), dep(NEW, 'ACTIVE', 'FAILED', TD2)]),
        state(TD1, [dep(OLD, 'PRIMARY', 'COMPLETED', TD1)]),
      ],
    ]);
    const { result, conclusion } = await verdict(api, { maxFailedTasks: 0 });
    expect(changes).toEqual(['register', 'tag', 'update web:2']);
    expect(result.recovery).toMatchObject({ kind: 'circuit-breaker', rollout: { deploymentId: OLD } });
    expect(conclusion).toMatchObject({ outcome: 'rolled-back', passed: false });
    expect(conclusion.reason).toMatch(/the rollback completed$/);
  });

  test('a circuit-breaker rollback that fails in turn is failed, not rolled-back', async () => {
    const { api } = fakeEcs([
      [
        state(TD1, [dep(OLD, 'PRIMARY', 'IN_PROGRESS', TD1), dep(NEW, 'ACTIVE', 'FAILED', TD2)]),
        state(TD1, [dep(OLD, 'PRIMARY', 'IN_PROGRESS', TD1), dep(NEW, 'ACTIVE', 'FAILED', TD2)]),
        state(TD1, [dep(OLD, 'PRIMARY', 'FAILED', TD1)]),
      ],
    ]);
    const { conclusion } = await verdict(api, { maxFailedTasks: 0 });
    expect(conclusion.outcome).toBe('failed');
    expect(conclusion.reason).toMatch(/the rollback did not complete \(failed:/);
  });

  test('max-failed-tasks, then our own rollback to the previous revision: rolled-back', async () => {
    const { api, changes } = fakeEcs([
      [
        state(TD2, [
          { ...dep(NEW, 'PRIMARY', 'IN_PROGRESS', TD2), failedTasks: 1 },
          dep(OLD, 'ACTIVE', 'COMPLETED', TD1),
        ]),
      ],
      [state(TD1, [dep(ROLLBACK, 'PRIMARY', 'COMPLETED', TD1)])],
    ]);
    const { result, conclusion } = await verdict(api);
    expect(changes).toEqual(['register', 'tag', 'update web:2', 'update web:1']);
    expect(result.rollout?.result?.outcome).toBe('failed');
    expect(conclusion).toMatchObject({ outcome: 'rolled-back', passed: false });
    expect(conclusion.reason).toMatch(
      /1 task of deployment \S+ stopped \(max-failed-tasks: 1\); rolled back to .*web:1$/,
    );
    expect(conclusion.outputs['deployment-id']).toBe(NEW);
  });

  test('without rollback-on-failure a failure stays failed and nothing else is changed', async () => {
    const { api, changes } = fakeEcs([
      [
        state(TD2, [
          { ...dep(NEW, 'PRIMARY', 'IN_PROGRESS', TD2), failedTasks: 1 },
          dep(OLD, 'ACTIVE', 'COMPLETED', TD1),
        ]),
      ],
    ]);
    const { result, conclusion } = await verdict(api, { rollbackOnFailure: false });
    expect(changes).toEqual(['register', 'tag', 'update web:2']);
    expect(result.recovery).toBeUndefined();
    expect(conclusion.outcome).toBe('failed');
  });

  test('the same definition, completed: skipped, nothing registered or updated', async () => {
    const { api, changes } = fakeEcs([]);
    const { result, conclusion } = await verdict(api, { containerImages: {} });
    expect(changes).toEqual([]);
    expect(result.skipped).toMatch(/nothing to deploy/);
    expect(conclusion).toMatchObject({ outcome: 'succeeded', passed: true });
  });
});
