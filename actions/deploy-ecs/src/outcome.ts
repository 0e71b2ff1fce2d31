/**
 * The one place where a run's verdict is decided: the typed result of the mode that ran (or the
 * error that stopped it) in; the outcome, its reason, the step outputs and pass/fail out.
 */
import { errorMessage } from '../../../shared/errors.js';
import type { DeployResult, PlanResult } from './deploy.js';
import type { Outcome } from './follow.js';
import type { RollbackResult } from './rollback.js';
import type { Rollout } from './rollout.js';

export type ModeResult = PlanResult | DeployResult | RollbackResult;

export interface Run {
  mode: ModeResult['mode'];
  cluster: string;
  service: string;
  /** What the service ran before this run (absent when it could not be read). */
  previousTaskDefinitionArn?: string;
  result?: ModeResult;
  /** What stopped the run before it had a result. */
  error?: unknown;
}

export interface Conclusion {
  outcome: Outcome | 'planned';
  reason: string;
  /** The step fails (exit code 1) when false. */
  passed: boolean;
  outputs: {
    'task-definition-arn': string;
    'previous-task-definition-arn': string;
    'deployment-id': string;
    outcome: string;
  };
}

/** Every rollout of a run, in the order they happened. */
export function rolloutsOf(result: ModeResult | undefined): Rollout[] {
  if (!result || result.mode === 'plan') return [];
  const all = [result.rollout];
  if (result.mode === 'deploy' && result.recovery && result.recovery.kind !== 'none') all.push(result.recovery.rollout);
  return all.filter((r): r is Rollout => r !== undefined);
}

function verdict(result: ModeResult): { outcome: Outcome | 'planned'; reason: string } {
  if (result.mode === 'plan') {
    const changed = result.diff.length + result.serviceDiff.length > 0;
    return { outcome: 'planned', reason: changed ? 'changes shown, nothing applied' : 'no changes' };
  }
  if (result.skipped) return { outcome: 'succeeded', reason: result.skipped };
  const rollout = result.rollout;
  if (!rollout) return { outcome: 'failed', reason: 'no deployment was started' };
  const followed = rollout.result;
  if (!followed) {
    return { outcome: 'succeeded', reason: `deployment ${rollout.deploymentId} started; not followed (wait: false)` };
  }
  const recovery = result.mode === 'deploy' ? result.recovery : undefined;
  if (!recovery) return { outcome: followed.outcome, reason: followed.reason };
  if (recovery.kind === 'none') return { outcome: followed.outcome, reason: `${followed.reason}; ${recovery.why}` };
  const back = recovery.rollout?.result;
  if (recovery.kind === 'circuit-breaker') {
    if (!recovery.rollout) return { outcome: 'rolled-back', reason: followed.reason };
    // Rolled back means the service is back on its last COMPLETED deployment, not that ECS began to go there.
    return back?.outcome === 'succeeded'
      ? { outcome: 'rolled-back', reason: `${followed.reason}; the rollback completed` }
      : {
          outcome: 'failed',
          reason: `${followed.reason}; the rollback did not complete (${back?.outcome ?? 'not followed'}: ${back?.reason ?? '-'})`,
        };
  }
  const target = recovery.rollout.taskDefinition;
  if (back && back.outcome !== 'succeeded') {
    return {
      outcome: 'failed',
      reason: `${followed.reason}; rolled back to ${target}, but the rollback ${back.outcome}: ${back.reason}`,
    };
  }
  return { outcome: 'rolled-back', reason: `${followed.reason}; rolled back to ${target}` };
}

export function conclude(run: Run): Conclusion {
  const { outcome, reason } = run.error
    ? { outcome: 'failed' as const, reason: errorMessage(run.error) }
    : run.result
      ? verdict(run.result)
      : { outcome: 'failed' as const, reason: 'the run ended without a result' };
  const passed = !run.error && (outcome === 'succeeded' || outcome === 'planned');
  return {
    outcome,
    reason,
    passed,
    outputs: {
      'task-definition-arn': run.result?.taskDefinitionArn ?? '',
      'previous-task-definition-arn': run.previousTaskDefinitionArn ?? '',
      'deployment-id': rolloutsOf(run.result)[0]?.deploymentId ?? '',
      outcome,
    },
  };
}
