/**
 * Rollbacks: which revision to go back to (the one recorded before the last deploy), the manual
 * rollback mode, and the recovery after a failed deploy (follow ECS's circuit-breaker rollback, or
 * roll back to the previous task definition ourselves).
 */
import * as core from '@actions/core';
import { errorMessage } from '../../../shared/errors.js';
import { group, info } from '../../../shared/log.js';
import type { EcsApi, ServiceState } from './api.js';
import type { FollowResult } from './follow.js';
import type { Inputs } from './inputs.js';
import { followDeployment, type Rollout, rollOut } from './rollout.js';
import { type DiffLine, parseRevisionArn, previousRevision } from './taskdef.js';

/**
 * The service tag that remembers what ran before the last deploy. A rollback in a later job (after a
 * failed smoke test) goes back there; "the previous revision number" would be wrong after an earlier
 * rolled-back deploy, whose revision is newer than what runs but is the bad one.
 */
export const ROLLBACK_TARGET_TAG = 'deploy-actions:rollback-target';

export async function recordRollbackTarget(api: EcsApi, service: ServiceState): Promise<void> {
  try {
    await api.tagService(service.arn, { [ROLLBACK_TARGET_TAG]: service.taskDefinition });
  } catch (error) {
    // Not worth failing a deploy over; a later rollback then falls back to the previous revision.
    core.warning(
      `could not tag the service with its rollback target (${errorMessage(error)}); allow ecs:TagResource on the service`,
    );
  }
}

/** What happened after a failed deploy, when rollback-on-failure asked for a recovery. */
export type Recovery =
  /** ECS's circuit breaker returned the service to its last COMPLETED deployment; `rollout` follows it. */
  | { kind: 'circuit-breaker'; rollout?: Rollout }
  /** This action put the previous task definition back. */
  | { kind: 'rollback'; rollout: Rollout }
  /** Nothing to go back to. */
  | { kind: 'none'; why: string };

export async function recover(
  api: EcsApi,
  inputs: Inputs,
  failed: FollowResult,
  previous: string | undefined,
  deployed: string,
): Promise<Recovery | undefined> {
  if (failed.outcome === 'succeeded' || failed.outcome === 'superseded') return undefined;
  if (failed.outcome === 'rolled-back') {
    // ECS's circuit breaker put the last COMPLETED deployment back to IN_PROGRESS; see it through.
    const now = await api.describeService();
    const back = now.deployments.find((d) => d.status === 'PRIMARY');
    if (!back) return { kind: 'circuit-breaker' };
    const result = await followDeployment(api, inputs, {
      deploymentId: back.id,
      deadline: Date.now() + inputs.timeout,
      purpose: 'circuit breaker rollback',
      loadBalancers: now.loadBalancers,
    });
    return {
      kind: 'circuit-breaker',
      rollout: {
        purpose: 'circuit breaker rollback',
        taskDefinition: back.taskDefinition,
        deploymentId: back.id,
        result,
      },
    };
  }
  if (!previous || previous === deployed) {
    const why = 'there is no previous task definition to go back to';
    core.warning(`rollback-on-failure: ${why}`);
    return { kind: 'none', why };
  }
  const rollout = await rollOut(api, inputs, {
    taskDefinition: previous,
    purpose: 'rollback',
    force: inputs.forceNewDeployment,
    deadline: Date.now() + inputs.timeout,
  });
  return { kind: 'rollback', rollout };
}

export interface RollbackResult {
  mode: 'rollback';
  taskDefinitionArn: string;
  serviceDiff: DiffLine[];
  /** Why nothing was rolled out. */
  skipped?: string;
  rollout?: Rollout;
}

/** Rollback mode: put the service back on what it ran before its last deploy (or the named revision). */
export async function rollback(
  api: EcsApi,
  inputs: Inputs,
  service: ServiceState,
  deadline: number,
): Promise<RollbackResult> {
  const target = await group('Choose the rollback target', () => chooseTarget(api, inputs, service));
  const primary = service.deployments.find((d) => d.status === 'PRIMARY');
  if (target === service.taskDefinition && inputs.source.kind === 'current' && primary?.rolloutState === 'COMPLETED') {
    // e.g. its own deploy already rolled back (rollback-on-failure) before a rollback of the whole environment.
    const skipped = `service already runs ${target}, what it ran before its last deploy; nothing to roll back`;
    info(skipped);
    return { mode: 'rollback', taskDefinitionArn: target, serviceDiff: [], skipped };
  }
  info(`rolling back from ${service.taskDefinition} to ${target}`);
  const rollout = await rollOut(api, inputs, {
    taskDefinition: target,
    purpose: 'rollback',
    force: target === service.taskDefinition || inputs.forceNewDeployment,
    deadline,
  });
  return {
    mode: 'rollback',
    taskDefinitionArn: target,
    serviceDiff: [{ path: 'taskDefinition', before: service.taskDefinition, after: target }],
    rollout,
  };
}

async function chooseTarget(api: EcsApi, inputs: Inputs, service: ServiceState): Promise<string> {
  if (inputs.source.kind === 'revision') {
    const { taskDefinition } = await api.describeTaskDefinition(inputs.source.reference);
    return taskDefinition.taskDefinitionArn as string;
  }
  const older = service.deployments.find((d) => d.status !== 'PRIMARY' && d.taskDefinition !== service.taskDefinition);
  if (older) return older.taskDefinition;
  const recorded = service.tags[ROLLBACK_TARGET_TAG];
  if (recorded) {
    info(`the service ran ${recorded} before its last deploy (tag ${ROLLBACK_TARGET_TAG})`);
    return recorded;
  }
  core.warning(
    `no recorded revision from before the last deploy (tag ${ROLLBACK_TARGET_TAG}); going back to the newest older revision of the family`,
  );
  const family = parseRevisionArn(service.taskDefinition)?.family;
  const previous = family ? previousRevision(await api.listRevisions(family), service.taskDefinition) : undefined;
  if (!previous) {
    throw new Error(
      `no ACTIVE revision older than ${service.taskDefinition} to roll back to; name one in task-definition`,
    );
  }
  return previous;
}
