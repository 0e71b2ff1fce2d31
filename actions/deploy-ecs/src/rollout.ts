/**
 * One rollout: UpdateService to a task definition, then follow the deployment that update started
 * (by id, not "the service is stable") to its outcome. Deploys and rollbacks both go through here;
 * a circuit-breaker rollback, which ECS starts itself, is only followed.
 */
import * as core from '@actions/core';
import { isThrottling, isTransientAwsError } from '../../../shared/aws.js';
import { systemClock } from '../../../shared/clock.js';
import { formatDuration } from '../../../shared/duration.js';
import { group, info } from '../../../shared/log.js';
import type { EcsApi } from './api.js';
import { describeStoppedTask, type FollowResult, follow } from './follow.js';
import type { Inputs } from './inputs.js';
import { createTargetsApi, type LoadBalancerView, TargetWatch } from './targets.js';

export type Purpose = 'deploy' | 'rollback' | 'circuit breaker rollback';

export interface Rollout {
  purpose: Purpose;
  taskDefinition: string;
  deploymentId: string;
  /** Absent when the deployment was not followed (wait: false). */
  result?: FollowResult;
}

export interface RolloutRequest {
  taskDefinition: string;
  purpose: Exclude<Purpose, 'circuit breaker rollback'>;
  /** Start a deployment even when the task definition is the one running. */
  force: boolean;
  desiredCount?: number;
  deadline: number;
}

export async function rollOut(api: EcsApi, inputs: Inputs, request: RolloutRequest): Promise<Rollout> {
  const { taskDefinition, purpose } = request;
  const started = Date.now();
  const updated = await group(`Update the service (${purpose}) to ${taskDefinition}`, () =>
    api.update({ taskDefinition, desiredCount: request.desiredCount, force: request.force }),
  );
  const deployment = updated.deployments.find((d) => d.status === 'PRIMARY');
  if (!deployment) throw new Error('UpdateService answered without a PRIMARY deployment');
  info(`deployment ${deployment.id} started (${purpose})`);
  if (!inputs.wait) return { purpose, taskDefinition, deploymentId: deployment.id };
  const result = await followDeployment(api, inputs, {
    deploymentId: deployment.id,
    deadline: request.deadline,
    purpose,
    since: started - 1000,
    loadBalancers: updated.loadBalancers,
  });
  return { purpose, taskDefinition, deploymentId: deployment.id, result };
}

export async function followDeployment(
  api: EcsApi,
  inputs: Inputs,
  target: {
    deploymentId: string;
    deadline: number;
    purpose: Purpose;
    since?: number;
    loadBalancers?: LoadBalancerView[];
  },
): Promise<FollowResult> {
  const { deploymentId, purpose } = target;
  return group(`Follow deployment ${deploymentId} (${purpose})`, async () => {
    const log = {
      event: (e: { createdAt: number; message: string }) =>
        info(`[event ${new Date(e.createdAt).toISOString().slice(11, 19)}] ${e.message}`),
      stopped: (t: Parameters<typeof describeStoppedTask>[0]) =>
        core.warning(describeStoppedTask(t), { title: 'ECS task stopped' }),
      warn: (message: string) => core.warning(message),
      info: (message: string) => info(message),
    };
    const withTargets = target.loadBalancers?.some((lb) => lb.targetGroupArn);
    const elb = withTargets ? await createTargetsApi(inputs.awsRegion, (id) => api.runningTasks(id)) : undefined;
    const result = await follow(api, {
      deploymentId,
      deadline: target.deadline,
      since: target.since ?? Date.now() - 1000,
      pollIntervalMs: inputs.pollInterval,
      maxFailedTasks: inputs.maxFailedTasks,
      clock: systemClock,
      isThrottling,
      isTransient: isTransientAwsError,
      log,
      targets: elb && new TargetWatch(elb, target.loadBalancers ?? [], deploymentId, log),
    }).finally(() => elb?.destroy());
    const line = `deployment ${deploymentId}: ${result.outcome} (${result.reason}) after ${formatDuration(result.finishedAt - result.startedAt)}, ${result.polls} poll(s)`;
    if (result.outcome === 'succeeded') info(line);
    else core.error(line);
    return result;
  });
}
