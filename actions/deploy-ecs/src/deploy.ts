/**
 * Deploy and plan modes. Plan prepares the task definition and shows what would change; deploy
 * registers it when needed, rolls it out and follows that deployment, then recovers (rollback-on-
 * failure) or cleans up old revisions. Each returns a typed result; outcome.ts turns it into a verdict.
 */
import { group, info } from '../../../shared/log.js';
import type { EcsApi, ServiceState } from './api.js';
import type { Inputs } from './inputs.js';
import { type Prepared, prepare } from './prepare.js';
import { cleanup } from './revisions.js';
import { type Recovery, recordRollbackTarget, recover } from './rollback.js';
import { type Rollout, rollOut } from './rollout.js';
import type { LoadBalancerView } from './targets.js';
import { type DiffLine, formatDiffLine } from './taskdef.js';

export interface PlanResult {
  mode: 'plan';
  /** The revision that would be deployed; absent when a new one would be registered. */
  taskDefinitionArn?: string;
  diff: DiffLine[];
  serviceDiff: DiffLine[];
  loadBalancers: LoadBalancerView[];
}

export interface DeployResult {
  mode: 'deploy';
  taskDefinitionArn: string;
  registered: boolean;
  diff: DiffLine[];
  serviceDiff: DiffLine[];
  /** Why nothing was rolled out (the service already runs this, completed). */
  skipped?: string;
  rollout?: Rollout;
  recovery?: Recovery;
  deregistered: string[];
}

/** The service-level changes a deploy of `prepared` makes. */
function serviceChanges(inputs: Inputs, service: ServiceState, prepared: Prepared): DiffLine[] {
  const changes: DiffLine[] = [];
  if (inputs.desiredCount !== undefined && inputs.desiredCount !== service.desiredCount) {
    changes.push({ path: 'desiredCount', before: String(service.desiredCount), after: String(inputs.desiredCount) });
  }
  if (prepared.arn !== service.taskDefinition || prepared.document) {
    changes.push({ path: 'taskDefinition', before: service.taskDefinition, after: prepared.arn ?? '(new revision)' });
  }
  return changes;
}

export async function plan(api: EcsApi, inputs: Inputs, service: ServiceState): Promise<PlanResult> {
  const prepared = await group('Prepare the task definition', () => prepare(api, inputs, service));
  const serviceDiff = serviceChanges(inputs, service, prepared);
  info(
    `plan: ${prepared.diff.length} task definition change(s), ${serviceDiff.length} service change(s); nothing was changed`,
  );
  for (const line of [...prepared.diff, ...serviceDiff]) info(`  ${formatDiffLine(line)}`);
  for (const lb of service.loadBalancers) {
    info(
      `  load balancer: ${lb.targetGroupArn ?? lb.loadBalancerName ?? '?'} -> container ${lb.containerName ?? '?'} port ${lb.containerPort ?? '?'}`,
    );
  }
  return {
    mode: 'plan',
    taskDefinitionArn: prepared.arn,
    diff: prepared.diff,
    serviceDiff,
    loadBalancers: service.loadBalancers,
  };
}

export async function deploy(
  api: EcsApi,
  inputs: Inputs,
  service: ServiceState,
  deadline: number,
): Promise<DeployResult> {
  const prepared = await group('Prepare the task definition', () => prepare(api, inputs, service));
  const serviceDiff = serviceChanges(inputs, service, prepared);
  const arn =
    prepared.arn ??
    (await group('Register the task definition', async () => {
      const registered = await api.register(prepared.document!);
      info(`registered ${registered}`);
      return registered;
    }));
  const base = { mode: 'deploy' as const, taskDefinitionArn: arn, registered: !prepared.arn, diff: prepared.diff };
  const primary = service.deployments.find((d) => d.status === 'PRIMARY');
  const desiredChanged = serviceDiff.some((l) => l.path === 'desiredCount');
  if (
    arn === service.taskDefinition &&
    !inputs.forceNewDeployment &&
    !desiredChanged &&
    primary?.rolloutState === 'COMPLETED' &&
    service.deployments.length === 1
  ) {
    const skipped = `service already runs ${arn} (deployment ${primary.id} completed); nothing to deploy`;
    info(skipped);
    return { ...base, serviceDiff, skipped, deregistered: [] };
  }
  if (arn !== service.taskDefinition) await recordRollbackTarget(api, service);
  const rollout = await rollOut(api, inputs, {
    taskDefinition: arn,
    purpose: 'deploy',
    force: arn === service.taskDefinition || inputs.forceNewDeployment,
    desiredCount: inputs.desiredCount,
    deadline,
  });
  const result = rollout.result;
  const recovery =
    result && inputs.rollbackOnFailure ? await recover(api, inputs, result, service.taskDefinition, arn) : undefined;
  const succeeded = result?.outcome === 'succeeded';
  const deregistered =
    succeeded && inputs.keepRevisions > 0 ? await cleanup(api, inputs.keepRevisions, arn, service.taskDefinition) : [];
  return { ...base, serviceDiff, rollout, recovery, deregistered };
}
