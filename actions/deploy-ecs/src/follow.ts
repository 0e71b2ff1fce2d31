/**
 * Following one deployment by id until it has an outcome. `decide` is the pure rule
 * (service snapshot in, outcome or undefined out); `follow` is the poll loop around it, with an
 * injectable Clock and API so every path runs in unit tests without sleeping.
 *
 * One DescribeServices per poll; ListTasks + DescribeTasks only when the deployment's failed-task
 * count rises or resets, or its running count drops (to report why tasks stopped). The interval is
 * jittered and backs off when throttled.
 *
 * Failures are counted as ECS counts them: `failedTasks` is "the number of consecutively failed
 * tasks in the deployment", and "once a service deployment has one or more successfully running
 * tasks, the failed task count resets to zero" (ECS API reference, Deployment). So max-failed-tasks
 * counts consecutive failures and starts again from zero when ECS's count resets: a flaky deploy
 * that gets running tasks is not failed for launches ECS itself forgave. A task without a container
 * health check only counts as running 40 s after it started (ECS developer guide, deployment
 * circuit breaker), so a running count equal to the desired count is never success by itself: only
 * the deployment's COMPLETED rollout state is.
 */
import type { Clock } from '../../../shared/clock.js';
import { describeTargetHealth, type TaskTargetHealth } from './targets.js';

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
  /** Consecutive failed tasks of this deployment since ECS last reset its failure count. */
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
    // Rollback off, or the circuit breaker found no COMPLETED deployment to return to: the service
    // stays on the failed deployment (ECS developer guide, deployment circuit breaker).
    return { outcome: 'failed', reason: `${why}; the service stays on the failed deployment ${id}` };
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
    info?(message: string): void;
  };
  /** Target health of the deployment's tasks, observed each poll while the deployment is ours and PRIMARY. */
  targets?: {
    observe(): Promise<void>;
    readonly health: TaskTargetHealth[];
    neverHealthy(): TaskTargetHealth[];
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
  /** How often ECS reset the deployment's failed-task count (a task ran successfully). */
  failureCountResets: number;
  /** Target health of the deployment's tasks (absent when the service has no target groups). */
  targets?: TaskTargetHealth[];
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
  // ECS's failedTasks and runningCount of the deployment at the last poll.
  let lastFailed: number | undefined;
  let lastRunning: number | undefined;
  /** Failures in a row since ECS last reset its count: what max-failed-tasks is compared with. */
  let consecutive = 0;
  let failureCountResets = 0;
  let firstFailureAt: number | undefined;
  for (;;) {
    polls++;
    let service: ServiceView | undefined;
    try {
      service = await api.describeService();
      const ours = service.deployments.find((d) => d.id === deploymentId);
      const failedNow = ours?.failedTasks ?? 0;
      const runningNow = ours?.runningCount ?? 0;
      const reset = lastFailed !== undefined && failedNow < lastFailed;
      const rose = failedNow > (lastFailed ?? 0);
      const dropped = lastRunning !== undefined && runningNow < lastRunning;
      // After a reset ECS "stops evaluating" the count, so launches that fail before RUNNING show in
      // neither number: while the deployment is short of tasks, look at its stopped tasks every poll.
      const uncounted = failureCountResets > 0 && runningNow < (ours?.desiredCount ?? 0);
      if (rose || reset || dropped || uncounted || !ours || ours.status !== 'PRIMARY') {
        const arns = (await api.listStoppedTasks(deploymentId)).filter((arn) => !seenTasks.has(arn));
        if (arns.length) {
          for (const task of await api.describeTasks(arns)) {
            seenTasks.add(task.taskArn);
            stoppedTasks.push(task);
            options.log.stopped(task);
            if (!isFailure(task)) continue;
            firstFailureAt ??= clock.now();
            consecutive++;
          }
        }
      }
      if (reset) {
        // Tasks found in the poll that saw the reset stopped before the running task ECS forgave them for.
        consecutive = 0;
        failureCountResets++;
        options.log.info?.(
          `ECS reset the failed-task count of deployment ${deploymentId} (${lastFailed} -> ${failedNow}: a task is running); counting failures from zero`,
        );
      }
      if (ours) {
        lastFailed = failedNow;
        lastRunning = runningNow;
      }
      if (ours?.status === 'PRIMARY') await options.targets?.observe();
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
    const decision = service
      ? decide({
          deploymentId,
          service,
          failedTasks: consecutive,
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
      const unhealthy = decision.outcome === 'succeeded' ? [] : (options.targets?.neverHealthy() ?? []);
      if (unhealthy.length) {
        const named = unhealthy.slice(0, 3).map(describeTargetHealth).join('; ');
        decision.reason = `${decision.reason}; never healthy in the load balancer: ${named}${unhealthy.length > 3 ? ` (and ${unhealthy.length - 3} more)` : ''}`;
      }
      return {
        ...decision,
        targets: options.targets?.health,
        deploymentId,
        events,
        stoppedTasks,
        polls,
        throttled,
        startedAt,
        finishedAt: clock.now(),
        firstFailureAt,
        failureCountResets,
      };
    }
    // Jitter of +-10% keeps parallel jobs from polling in step; never sleep past the deadline.
    const delay = options.pollIntervalMs * backoff * (0.9 + random() * 0.2);
    await clock.sleep(Math.max(0, Math.min(delay, options.deadline - clock.now())));
  }
}
