/**
 * The rollout scheduler. Time is a tick: each tick reads the state of every live container
 * (`observe`: RUNNING, health, exits), then schedules each service (`schedule`): the circuit
 * breaker, launches of the PRIMARY within maximumPercent, stops of surplus and older tasks while
 * healthy tasks stay at or above minimumHealthyPercent, drained deployments, COMPLETED.
 */
import type { ContainerState } from '../docker.js';
import { targetsOf } from './load-balancing.js';
import type { TaskRuntime } from './runtime.js';
import type { EcsStore } from './store.js';
import type { Container, Deployment, Json, Service, Task } from './types.js';

const STOPPED_TASK_RETENTION_MS = 60 * 60 * 1000;

/** What one service's scheduling step works with: its counts under the deployment configuration. */
interface Limits {
  desired: number;
  maxTotal: number;
  minHealthy: number;
  /** Live tasks before this step launched or stopped any. */
  liveAtStart: number;
}

export class Scheduler {
  private ticking = false;
  private closed = false;

  constructor(
    private readonly store: EcsStore,
    private readonly runtime: TaskRuntime,
  ) {
    runtime.onLaunchFailed = (task) => this.countFailure(this.store.serviceOf(task), task);
  }

  /** Ends ticking; resolves once a tick under way has finished. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.ticking) await new Promise((r) => setTimeout(r, 20));
  }

  /** One step of time: container states in, scheduling decisions out. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const { live, states } = await this.runtime.inspect();
      if (this.closed) return;
      for (const task of live) this.observe(task, states);
      for (const service of this.store.services.values()) this.schedule(service);
      const now = Date.now();
      for (const [id, task] of this.store.tasks) {
        if (task.lastStatus === 'STOPPED' && now - (task.stoppedAt ?? now) > STOPPED_TASK_RETENTION_MS)
          this.store.tasks.delete(id);
      }
      this.runtime.flushRemovals();
    } finally {
      this.ticking = false;
    }
  }

  // ------------------------------------------------------------------ observe

  private observe(task: Task, states: Map<string, ContainerState>): void {
    if (task.launching || task.lastStatus === 'STOPPED') return;
    let essentialExit: Container | undefined;
    let unhealthy = false;
    let allRunning = true;
    let allHealthy = true;
    for (const c of task.containers) {
      const state = c.dockerId ? states.get(c.dockerId) : undefined;
      if (!state?.running) {
        c.lastStatus = 'STOPPED';
        c.exitCode = state ? state.exitCode : (c.exitCode ?? 137);
        if (state?.error) c.reason = state.error;
        if (c.essential && !essentialExit) essentialExit = c;
        allRunning = false;
        continue;
      }
      c.lastStatus = 'RUNNING';
      if (c.hasHealthCheck) {
        c.healthStatus =
          state.health === 'healthy' ? 'HEALTHY' : state.health === 'unhealthy' ? 'UNHEALTHY' : 'UNKNOWN';
        if (c.healthStatus === 'UNHEALTHY' && c.essential) unhealthy = true;
        if (c.healthStatus !== 'HEALTHY') allHealthy = false;
      }
    }
    const service = this.store.serviceOf(task);
    if (unhealthy && service?.healthCheckGracePeriodSeconds) {
      // healthCheckGracePeriodSeconds: unhealthy container checks are ignored that long after the start.
      const grace = this.store.timingOf(task.cluster).seconds(service.healthCheckGracePeriodSeconds);
      if (Date.now() - (task.startedAt ?? Date.now()) < grace) unhealthy = false;
    }
    if (task.desiredStatus === 'STOPPED') {
      if (!allRunning || task.containers.every((c) => c.lastStatus === 'STOPPED')) this.runtime.markStopped(task);
      return;
    }
    if (essentialExit) {
      task.stoppedReason = 'Essential container in task exited';
      task.stopCode = 'EssentialContainerExited';
      this.runtime.markStopped(task);
      this.countFailure(service, task);
      return;
    }
    if (unhealthy) {
      if (service) this.store.event(service, `(task ${task.id}) failed container health checks.`);
      this.countFailure(service, task);
      this.runtime.requestStop(task, 'Task failed container health checks', 'ServiceSchedulerInitiated');
      return;
    }
    if (allRunning && task.lastStatus !== 'RUNNING') {
      task.lastStatus = 'RUNNING';
      task.startedAt = Date.now();
      task.version++;
      if (service) this.register(service, task);
    }
    const health = task.containers.some((c) => c.hasHealthCheck) ? (allHealthy ? 'HEALTHY' : 'UNKNOWN') : 'UNKNOWN';
    if (health !== task.healthStatus) {
      task.healthStatus = health;
      task.version++;
    }
    if (service && this.healthy(task)) this.healthyTask(service, task);
  }

  /**
   * Healthy for the scheduler (what counts toward minimumHealthyPercent and COMPLETED): RUNNING, and
   * its container health checks HEALTHY; a task without any counts 40 s (profile-scaled) after it
   * became RUNNING (ECS API reference, DeploymentConfiguration: minimumHealthyPercent). With load
   * balancers, every target group must say healthy instead of the 40-second wait.
   */
  private healthy(task: Task): boolean {
    if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') return false;
    const checked = task.containers.some((c) => c.hasHealthCheck);
    if (checked && task.healthStatus !== 'HEALTHY') return false;
    const service = this.store.serviceOf(task);
    if (service && task.registered) {
      return targetsOf(service, task).every((t) => this.runtime.loadBalancing.health(service, t) === 'healthy');
    }
    if (checked) return true;
    const wait = this.store.timingOf(task.cluster).noHealthCheckMs;
    return Date.now() - (task.startedAt ?? Date.now()) >= wait;
  }

  /**
   * A healthy task ends the service's launch throttle, and (unless the breaker's resetOnHealthyTask
   * is false) resets its deployment's failedTasks to 0, after which the circuit breaker no longer
   * evaluates that deployment (ECS API reference, Deployment: failedTasks; developer guide, "How the
   * Amazon ECS deployment circuit breaker detects failures").
   */
  private healthyTask(service: Service, task: Task): void {
    service.consecutiveFailures = 0;
    const deployment = service.deployments.find((d) => d.id === task.startedBy);
    const breaker = service.deploymentConfiguration.deploymentCircuitBreaker ?? {};
    if (!deployment || deployment.settled || breaker.resetOnHealthyTask === false) return;
    deployment.settled = true;
    if (deployment.failedTasks !== 0) {
      deployment.failedTasks = 0;
      deployment.updatedAt = Date.now();
    }
  }

  /** A RUNNING task of a service with load balancers goes into its target groups. */
  private register(service: Service, task: Task): void {
    const targets = targetsOf(service, task);
    if (targets.length === 0) return;
    task.registered = true;
    for (const target of targets) {
      this.runtime.loadBalancing
        .register(service, target)
        .catch((error) => console.error(`[aws-emulator] registering ${task.id}: ${error}`));
    }
  }

  private countFailure(service: Service | undefined, task: Task): void {
    if (!service) return;
    const deployment = service.deployments.find((d) => d.id === task.startedBy);
    if (deployment && !deployment.settled) {
      deployment.failedTasks++;
      deployment.updatedAt = Date.now();
    }
    service.consecutiveFailures++;
    // The service scheduler slows down the launches of a service whose tasks keep failing.
    const delay = this.store.timingOf(service.cluster).relaunchDelayMs(service.consecutiveFailures);
    service.nextLaunchAt = Date.now() + delay;
  }

  // ------------------------------------------------------------------ schedule

  private schedule(service: Service): void {
    const primary = service.deployments[0];
    if (!primary) return;
    const config = service.deploymentConfiguration;
    const desired = service.status === 'ACTIVE' ? service.desiredCount : 0;
    const limits: Limits = {
      desired,
      maxTotal: Math.max(desired, Math.floor((desired * config.maximumPercent) / 100)),
      minHealthy: Math.ceil((desired * config.minimumHealthyPercent) / 100),
      liveAtStart: this.store.liveTasks(service).length,
    };
    if (this.tripBreaker(service, primary, limits)) {
      this.schedule(service);
      return;
    }
    this.launchPrimary(service, limits);
    this.stopReplaced(service, limits);
    this.dropDrained(service);
    this.updateCounts(service);
    this.completeIfDone(service, limits);
  }

  /**
   * Circuit breaker: enough consecutive failed tasks end the PRIMARY deployment (true when it did).
   * With rollback, the last COMPLETED deployment becomes the PRIMARY again, IN_PROGRESS (so it is no
   * rollback target until it completes again); without one the failed deployment stays PRIMARY and
   * nothing is launched: the rollout stalls (developer guide, "How the Amazon ECS deployment circuit
   * breaker detects failures").
   */
  private tripBreaker(service: Service, primary: Deployment, limits: Limits): boolean {
    const breaker = service.deploymentConfiguration.deploymentCircuitBreaker ?? {};
    if (!breaker.enable || primary.rolloutState !== 'IN_PROGRESS' || primary.settled) return false;
    if (primary.failedTasks < breakerThreshold(breaker, limits.desired)) return false;
    primary.rolloutState = 'FAILED';
    primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
    primary.updatedAt = Date.now();
    this.store.event(service, `(deployment ${primary.id}) deployment failed: tasks failed to start.`);
    const target = service.lastCompleted;
    if (breaker.rollback && target && target !== primary && target.rolloutState === 'COMPLETED') {
      this.rollBackTo(service, target);
    }
    return true;
  }

  private rollBackTo(service: Service, target: Deployment): void {
    service.deployments = service.deployments.filter((d) => d !== target);
    for (const d of service.deployments) d.status = 'ACTIVE';
    Object.assign(target, {
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${target.id}.`,
      desiredCount: service.desiredCount,
      failedTasks: 0,
      settled: false,
      updatedAt: Date.now(),
    });
    service.deployments.unshift(target);
    service.taskDefinition = target.taskDefinition;
    service.consecutiveFailures = 0;
    service.nextLaunchAt = 0;
    this.store.event(service, `rolling back to deployment ${target.id}.`);
  }

  /** Starts tasks of the PRIMARY up to its desired count, the total within maximumPercent. */
  private launchPrimary(service: Service, limits: Limits): void {
    const current = service.deployments[0]!;
    const launchable = current.rolloutState !== 'FAILED' && service.status === 'ACTIVE';
    if (!launchable || Date.now() < service.nextLaunchAt) return;
    const td = this.store.findTaskDefinition(current.taskDefinition);
    let liveCount = this.store.liveTasks(service).length;
    const primaryLive = this.store.liveTasks(service, current).length;
    const started: string[] = [];
    while (td && primaryLive + started.length < current.desiredCount && liveCount < limits.maxTotal) {
      const task = this.runtime.launch(service, current, td);
      if (!task) break;
      started.push(task.id);
      liveCount++;
    }
    if (started.length) {
      this.store.event(
        service,
        `has started ${started.length} tasks: ${started.map((id) => `(task ${id})`).join(' ')}.`,
      );
    }
  }

  /** Stops surplus PRIMARY tasks (scaled in), then tasks of older deployments, keeping minHealthy. */
  private stopReplaced(service: Service, limits: Limits): void {
    const current = service.deployments[0]!;
    const unhealthyFirst = (a: Task, b: Task) => Number(this.healthy(a)) - Number(this.healthy(b));
    const reason = `Scaling activity initiated by (deployment ${current.id})`;
    const stopped: string[] = [];
    const primaryLive = this.store.liveTasks(service, current);
    let healthy = this.store.liveTasks(service).filter((t) => this.healthy(t)).length;
    const surplus = primaryLive.length - current.desiredCount;
    for (const task of primaryLive.sort(unhealthyFirst).slice(0, Math.max(0, surplus))) {
      if (this.healthy(task) && healthy - 1 < limits.minHealthy && limits.desired > 0) break;
      if (this.healthy(task)) healthy--;
      this.runtime.requestStop(task, reason, 'ServiceSchedulerInitiated');
      stopped.push(task.id);
    }
    for (const old of service.deployments.slice(1)) {
      for (const task of this.store.liveTasks(service, old).sort(unhealthyFirst)) {
        if (this.healthy(task)) {
          if (healthy - 1 < limits.minHealthy) break;
          healthy--;
        }
        this.runtime.requestStop(task, reason, 'ServiceSchedulerInitiated');
        stopped.push(task.id);
      }
    }
    if (stopped.length) {
      this.store.event(
        service,
        `has stopped ${stopped.length} running tasks: ${stopped.map((id) => `(task ${id})`).join(' ')}.`,
      );
    }
  }

  /**
   * Older deployments leave the list once none of their tasks is live and the last one has had the
   * profile's deprovisioning time: a failed deployment stays listed while it drains.
   */
  private dropDrained(service: Service): void {
    const now = Date.now();
    const wait = this.store.timingOf(service.cluster).deprovisioningMs;
    service.deployments = service.deployments.filter((d, i) => {
      if (i === 0) return true;
      let lastStop = d.updatedAt;
      for (const t of this.store.tasks.values()) {
        if (t.service !== service.name || t.cluster !== service.cluster || t.startedBy !== d.id) continue;
        if (t.lastStatus !== 'STOPPED') return true;
        lastStop = Math.max(lastStop, t.stoppedAt ?? 0);
      }
      return now - lastStop < wait;
    });
  }

  private updateCounts(service: Service): void {
    for (const d of service.deployments) {
      const tasks = this.store.liveTasks(service, d);
      const running = tasks.filter((t) => t.lastStatus === 'RUNNING').length;
      const pending = tasks.length - running;
      if (running !== d.runningCount || pending !== d.pendingCount) {
        d.runningCount = running;
        d.pendingCount = pending;
        d.updatedAt = Date.now();
      }
    }
  }

  /** COMPLETED: the PRIMARY runs its desired count, healthy, and nothing else is left. */
  private completeIfDone(service: Service, limits: Limits): void {
    const current = service.deployments[0]!;
    const live = this.store.liveTasks(service, current);
    if (
      current.rolloutState === 'IN_PROGRESS' &&
      service.deployments.length === 1 &&
      live.filter((t) => this.healthy(t)).length === current.desiredCount &&
      live.length === current.desiredCount
    ) {
      current.rolloutState = 'COMPLETED';
      current.rolloutStateReason = `ECS deployment ${current.id} completed.`;
      current.updatedAt = Date.now();
      service.lastCompleted = current;
      this.store.event(service, `(deployment ${current.id}) deployment completed.`);
      this.store.event(service, 'has reached a steady state.');
    }
    if (
      service.status === 'DRAINING' &&
      limits.liveAtStart === 0 &&
      service.deployments.every((d) => d.runningCount === 0)
    ) {
      service.status = 'INACTIVE';
    }
  }
}

/**
 * The breaker's threshold: `thresholdConfiguration` (SDK v3 ECS model: BOUNDED_PERCENT by default,
 * value 50, clamped to 3..200; UNBOUNDED_PERCENT without the clamp; COUNT as given), which by
 * default is the documented min(max(3, ceil(0.5 x desired)), 200).
 */
export function breakerThreshold(breaker: Json, desired: number): number {
  const { type = 'BOUNDED_PERCENT', value = 50 } = breaker.thresholdConfiguration ?? {};
  if (type === 'COUNT') return Math.max(1, value);
  const raw = Math.ceil((value / 100) * desired);
  return type === 'UNBOUNDED_PERCENT' ? Math.max(1, raw) : Math.min(200, Math.max(3, raw));
}
