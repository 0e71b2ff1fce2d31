import { describe, expect, test } from '@jest/globals';
import type { DeployResult } from '../src/deploy.js';
import type { FollowResult, Outcome } from '../src/follow.js';
import { requireRollingController } from '../src/main.js';
import { conclude, type ModeResult } from '../src/outcome.js';
import type { Recovery } from '../src/rollback.js';
import type { Purpose, Rollout } from '../src/rollout.js';

const followed = (outcome: Outcome, reason = `it ${outcome}`): FollowResult => ({
  outcome,
  reason,
  deploymentId: 'ecs-svc/1',
  events: [],
  stoppedTasks: [],
  polls: 1,
  throttled: 0,
  startedAt: 0,
  finishedAt: 0,
  failureCountResets: 0,
});
const rollout = (purpose: Purpose, outcome?: Outcome, id = 'ecs-svc/1'): Rollout => ({
  purpose,
  taskDefinition: purpose === 'deploy' ? 'arn:td/app:2' : 'arn:td/app:1',
  deploymentId: id,
  result: outcome ? followed(outcome) : undefined,
});
const deployed = (extra: Partial<DeployResult>): DeployResult => ({
  mode: 'deploy',
  taskDefinitionArn: 'arn:td/app:2',
  registered: true,
  diff: [],
  serviceDiff: [],
  deregistered: [],
  ...extra,
});
const recovered = (first: Outcome, recovery: Recovery) => deployed({ rollout: rollout('deploy', first), recovery });

describe('conclude: typed results -> outcome, outputs, pass/fail', () => {
  test.each<[string, ModeResult, string, boolean, RegExp]>([
    [
      'plan with changes',
      { mode: 'plan', diff: [{ path: 'x', after: '1' }], serviceDiff: [], loadBalancers: [] },
      'planned',
      true,
      /nothing applied/,
    ],
    [
      'plan without changes',
      { mode: 'plan', diff: [], serviceDiff: [], loadBalancers: [] },
      'planned',
      true,
      /no changes/,
    ],
    ['already running', deployed({ skipped: 'service already runs it' }), 'succeeded', true, /already runs/],
    ['not followed', deployed({ rollout: rollout('deploy') }), 'succeeded', true, /not followed \(wait: false\)/],
    ['followed to completion', deployed({ rollout: rollout('deploy', 'succeeded') }), 'succeeded', true, /./],
    ['failed, no recovery asked', deployed({ rollout: rollout('deploy', 'failed') }), 'failed', false, /./],
    ['timed out', deployed({ rollout: rollout('deploy', 'timed-out') }), 'timed-out', false, /./],
    ['superseded', deployed({ rollout: rollout('deploy', 'superseded') }), 'superseded', false, /./],
    [
      'breaker rolled back, not followed',
      deployed({ rollout: rollout('deploy', 'rolled-back') }),
      'rolled-back',
      false,
      /./,
    ],
    [
      'breaker rollback followed to completion',
      recovered('rolled-back', { kind: 'circuit-breaker', rollout: rollout('circuit breaker rollback', 'succeeded') }),
      'rolled-back',
      false,
      /the rollback completed/,
    ],
    [
      'breaker rollback that never completes is failed, not rolled-back',
      recovered('rolled-back', { kind: 'circuit-breaker', rollout: rollout('circuit breaker rollback', 'timed-out') }),
      'failed',
      false,
      /the rollback did not complete \(timed-out/,
    ],
    [
      'our rollback completed',
      recovered('failed', { kind: 'rollback', rollout: rollout('rollback', 'succeeded') }),
      'rolled-back',
      false,
      /rolled back to arn:td\/app:1$/,
    ],
    [
      'our rollback failed too',
      recovered('failed', { kind: 'rollback', rollout: rollout('rollback', 'failed') }),
      'failed',
      false,
      /but the rollback failed/,
    ],
    [
      'nothing to roll back to',
      recovered('timed-out', { kind: 'none', why: 'there is no previous task definition to go back to' }),
      'timed-out',
      false,
      /no previous task definition/,
    ],
    [
      'manual rollback completed',
      {
        mode: 'rollback',
        taskDefinitionArn: 'arn:td/app:1',
        serviceDiff: [],
        rollout: rollout('rollback', 'succeeded'),
      },
      'succeeded',
      true,
      /./,
    ],
    [
      'manual rollback with nothing to do',
      { mode: 'rollback', taskDefinitionArn: 'arn:td/app:1', serviceDiff: [], skipped: 'nothing to roll back' },
      'succeeded',
      true,
      /./,
    ],
  ])('%s', (_name, result, outcome, passed, reason) => {
    const c = conclude({
      mode: result.mode,
      cluster: 'c',
      service: 's',
      previousTaskDefinitionArn: 'arn:td/app:1',
      result,
    });
    expect(c.outcome).toBe(outcome);
    expect(c.passed).toBe(passed);
    expect(c.outputs.outcome).toBe(outcome);
    expect(c.reason).toMatch(reason);
  });

  test('outputs: the deployed revision, the previous one, the first deployment started', () => {
    const c = conclude({
      mode: 'deploy',
      cluster: 'c',
      service: 's',
      previousTaskDefinitionArn: 'arn:td/app:1',
      result: recovered('failed', { kind: 'rollback', rollout: rollout('rollback', 'succeeded', 'ecs-svc/2') }),
    });
    expect(c.outputs).toEqual({
      'task-definition-arn': 'arn:td/app:2',
      'previous-task-definition-arn': 'arn:td/app:1',
      'deployment-id': 'ecs-svc/1',
      outcome: 'rolled-back',
    });
  });

  test('an error is failed with its message, whatever was done before', () => {
    const c = conclude({ mode: 'deploy', cluster: 'c', service: 's', error: new Error('UpdateService: denied') });
    expect(c).toMatchObject({ outcome: 'failed', passed: false, reason: 'UpdateService: denied' });
    expect(c.outputs['task-definition-arn']).toBe('');
  });
});

describe('the deployment controller is checked up front', () => {
  test('ECS passes', () => {
    expect(() => requireRollingController('web', 'ECS')).not.toThrow();
  });
  test.each([
    ['CODE_DEPLOY', /service: web uses the CODE_DEPLOY deployment controller.*CodeDeploy.*; expected .*ECS/],
    ['EXTERNAL', /service: web uses the EXTERNAL deployment controller.*task sets.*; expected .*ECS/],
  ])('%s is a configuration error', (controller, message) => {
    expect(() => requireRollingController('web', controller)).toThrow(message);
    expect(() => requireRollingController('web', controller)).toThrow(
      expect.objectContaining({ name: 'ConfigurationError' }),
    );
  });
});
