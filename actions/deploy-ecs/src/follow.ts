/**
 * Following one deployment by id until it has an outcome. `decide` is the pure rule
 * (service snapshot in, outcome or undefined out); `follow` is the poll loop around it, with an
 * injectable Clock and API so every path runs in unit tests without sleeping.
 *
 * One DescribeServices per poll; ListTasks + DescribeTasks only when the deployment's failed-task
 * count rises (to report why tasks stopped). The interval is jittered and backs off when throttled.
 */
import type { Clock } from '../../../shared/clock.js';

export type Outcome = 'succeeded' | 'rolled-back' | 'failed' | 'superseded' | 'timed-out';

export interface DeploymentView {
  id: string;
  status: string;
  taskDefinition: string;
  rolloutState?: string;
  rolloutStateReason?: string;
  failedTasks?: number;
  runningCount?: number;
  desiredCount?: number;
}

export interface EventView {
  id: string;
  createdAt: number;
  message: string;
}

export interface ServiceView {
  deployments: DeploymentView[];
  /** Newest first, as ECS returns them. */
  events: EventView[];
}

export interface StoppedTask {
  taskArn: string;
  taskDefinitionArn: string;
  stoppedReason: string;
  stopCode?: string;
  stoppedAt?: number;
  containers: { name: string; exitCode?: number; reason?: string }[];
}

export interface Decision {
  outcome: Outcome;
  reason: string;
}

export interface DecideInput {
  deploymentId: string;
  service: ServiceView;
  /** Stopped tasks of this deployment that count as failures. */
  failedTasks: number;
  maxFailedTasks: number;
  now: number;
  deadline: number;
}

/** The outcome a service snapshot implies for the deployment being followed, if any yet. */
export function decide(input: DecideInput): Decision | undefined {
  const { deploymentId: id, service } = input;
  const ours = service.deployments.find((d) => d.id === id);
  const primary = service.deployments.find((d) => d.status === 'PRIMARY');
  if (ours?.status === 'PRIMARY' && ours.rolloutState === 'COMPLETED') {
    return { outcome: 'succeeded', reason: `deployment ${id} completed` };
  }
  const failedEvent = service.events.find((e) => e.message.includes(`(deployment ${id}) deployment failed`));
  if (ours?.rolloutState === 'FAILED' || failedEvent) {
    const why = ours?.rolloutStateReason || failedEvent?.message || 'the deployment failed';
    if (primary && primary.id !== id) {
      const how = primary.rolloutStateReason ? `: ${primary.rolloutStateReason}` : '';
      return {
        outcome: 'rolled-back',
        reason: `${why}; ECS rolled back to ${primary.taskDefinition} (deployment ${primary.id}${how})`,
      };
    }
    return { outcome: 'failed', reason: why };
  }
  if (ours?.status !== 'PRIMARY') {
    return {
      outcome: 'superseded',
      reason: primary
        ? `deployment ${primary.id} (${primary.taskDefinition}) replaced deployment ${id}`
        : `deployment ${id} is no longer the service's deployment`,
    };
  }
  const failed = Math.max(input.failedTasks, 0);
  if (input.maxFailedTasks > 0 && failed >= input.maxFailedTasks) {
    return {
      outcome: 'failed',
      reason: `${failed} task${failed === 1 ? '' : 's'} of deployment ${id} stopped (max-failed-tasks: ${input.maxFailedTasks})`,
    };
  }
  if (input.now >= input.deadline) {
    return {
      outcome: 'timed-out',
      reason: `deployment ${id} did not complete before the deadline (${ours.runningCount ?? 0}/${ours.desiredCount ?? '?'} running, ${ours.rolloutState ?? 'no rollout state'})`,
    };
  }
  return undefined;
}

/** Whether a stopped task is a failure of its deployment (not a scale-in or a replacement). */
export const isFailure = (task: StoppedTask): boolean =>
  task.stopCode === 'TaskFailedToStart' ||
  task.stopCode === 'EssentialContainerExited' ||
  /health check|CannotPull|CannotStart|ResourceInitializationError|OutOfMemory/i.test(task.stoppedReason);

export function describeStoppedTask(task: StoppedTask): string {
  const id = task.taskArn.slice(task.taskArn.lastIndexOf('/') + 1);
  const revision = task.taskDefinitionArn.slice(task.taskDefinitionArn.lastIndexOf('/') + 1);
  const containers = task.containers
    .filter((c) => c.exitCode !== undefined || c.reason)
    .map(
      (c) =>
        `${c.name}: ${c.exitCode !== undefined ? `exit code ${c.exitCode}` : ''}${c.reason ? `${c.exitCode !== undefined ? ', ' : ''}${c.reason}` : ''}`,
    );
  return `task ${id} (${revision}) stopped: ${task.stoppedReason}${containers.length ? ` (${containers.join('; ')})` : ''}`;
}

export interface FollowApi {
  describeService(): Promise<ServiceView>;
  /** ARNs of stopped tasks started by the deployment. */
  listStoppedTasks(deploymentId: string): Promise<string[]>;
  describeTasks(arns: string[]): Promise<StoppedTask[]>;
}

export interface FollowOptions {
  deploymentId: string;
  deadline: number;
  pollIntervalMs: number;
  maxFailedTasks: number;
  /** Events older than this (clock ms) were there before the deployment and are not shown. */
  since: number;
  clock: Clock;
  random?: () => number;
  isThrottling?: (error: unknown) => boolean;
  /** Whether an error is worth another poll (throttling, 5xx, network) rather than fatal. */
  isTransient?: (error: unknown) => boolean;
  log: {
    event(event: EventView): void;
    stopped(task: StoppedTask): void;
    warn(message: string): void;
  };
}

export interface FollowResult extends Decision {
  deploymentId: string;
  events: EventView[];
  stoppedTasks: StoppedTask[];
  polls: number;
  throttled: number;
  startedAt: number;
  finishedAt: number;
  /** When the first failed task of the deployment was seen (clock ms). */
  firstFailureAt?: number;
}

const MAX_BACKOFF = 8;

export async function follow(api: FollowApi, options: FollowOptions): Promise<FollowResult> {
  const { clock, deploymentId } = options;
  const random = options.random ?? Math.random;
  const seenEvents = new Set<string>();
  const seenTasks = new Set<string>();
  const events: EventView[] = [];
  const stoppedTasks: StoppedTask[] = [];
  const startedAt = clock.now();
  let polls = 0;
  let throttled = 0;
  let backoff = 1;
  let knownFailures = 0;
  let firstFailureAt: number | undefined;
  for (;;) {
    polls++;
    let service: ServiceView | undefined;
    try {
      service = await api.describeService();
      const ours = service.deployments.find((d) => d.id === deploymentId);
      if ((ours?.failedTasks ?? 0) > knownFailures || (ours && ours.status !== 'PRIMARY') || !ours) {
        const arns = (await api.listStoppedTasks(deploymentId)).filter((arn) => !seenTasks.has(arn));
        if (arns.length) {
          for (const task of await api.describeTasks(arns)) {
            seenTasks.add(task.taskArn);
            stoppedTasks.push(task);
            options.log.stopped(task);
            if (isFailure(task)) firstFailureAt ??= clock.now();
          }
        }
        knownFailures = Math.max(knownFailures, ours?.failedTasks ?? 0);
      }
      for (const event of [...service.events].reverse()) {
        if (seenEvents.has(event.id) || event.createdAt < options.since) continue;
        seenEvents.add(event.id);
        events.push(event);
        options.log.event(event);
      }
      backoff = Math.max(1, backoff / 2);
    } catch (error) {
      const isThrottled = options.isThrottling?.(error) ?? false;
      if (!isThrottled && !(options.isTransient?.(error) ?? false)) throw error;
      if (isThrottled) {
        throttled++;
        backoff = Math.min(MAX_BACKOFF, backoff * 2);
      }
      options.log.warn(
        `poll ${polls}: ${(error as Error).name ?? 'error'}: ${(error as Error).message}; polling every ${Math.round((options.pollIntervalMs * backoff) / 1000)}s`,
      );
    }
    const failed = stoppedTasks.filter((t) => isFailure(t)).length;
    const decision = service
      ? decide({
          deploymentId,
          service,
          failedTasks: failed,
          maxFailedTasks: options.maxFailedTasks,
          now: clock.now(),
          deadline: options.deadline,
        })
      : clock.now() >= options.deadline
        ? {
            outcome: 'timed-out' as const,
            reason: `no answer from ECS before the deadline (deployment ${deploymentId})`,
          }
        : undefined;
    if (decision) {
      return {
        ...decision,
        deploymentId,
        events,
        stoppedTasks,
        polls,
        throttled,
        startedAt,
        finishedAt: clock.now(),
        firstFailureAt,
      };
    }
    // Jitter of +-10% keeps parallel jobs from polling in step; never sleep past the deadline.
    const delay = options.pollIntervalMs * backoff * (0.9 + random() * 0.2);
    await clock.sleep(Math.max(0, Math.min(delay, options.deadline - clock.now())));
  }
}
