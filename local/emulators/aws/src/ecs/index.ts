/**
 * The ECS part of the emulator: task definitions, clusters, services with rolling deployments
 * (PRIMARY/ACTIVE, rolloutState, minimum healthy / maximum percent, circuit breaker with
 * rollback), service events, and tasks that are real containers on the local Docker engine.
 * Shapes follow the ECS API reference.
 *
 * Modules: `types` (the state), `store` (the state and its lookups), `api` (operation dispatch)
 * with `task-definitions`, `clusters` (and tags), `services`, `tasks` (operations and response
 * shapes), `run-task` (one-off tasks), `scheduler` (the rollout tick), `runtime` (Docker containers)
 * with `ports`, `secrets-injection`, `awslogs` (the log driver), `load-balancing` (the seam to ELBv2). This file
 * wires them and runs the tick loop.
 */
import { AwsError } from '../errors.js';
import { dispatch } from './api.js';
import type { LogDriver } from './awslogs.js';
import type { LoadBalancing } from './load-balancing.js';
import { TaskRuntime } from './runtime.js';
import { Scheduler } from './scheduler.js';
import { EcsStore } from './store.js';
import type { EcsOptions, Json } from './types.js';

export { AwsLogsDriver } from './awslogs.js';
export type { LoadBalancing, Target, TargetHealth } from './load-balancing.js';
export type { EcsOptions } from './types.js';

export class Ecs {
  private readonly store: EcsStore;
  private readonly runtime: TaskRuntime;
  private readonly scheduler: Scheduler;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(readonly options: EcsOptions) {
    this.store = new EcsStore(options);
    this.runtime = new TaskRuntime(this.store);
    this.scheduler = new Scheduler(this.store, this.runtime);
  }

  start(): void {
    const loop = async () => {
      if (this.closed) return;
      await this.tick().catch((error) => console.error(`[aws-emulator] tick failed: ${error}`));
      if (!this.closed) this.timer = setTimeout(loop, this.options.tickMs);
    };
    this.timer = setTimeout(loop, this.options.tickMs);
  }

  /** One step of time (the loop calls it every `tickMs`). */
  tick(): Promise<void> {
    return this.scheduler.tick();
  }

  /** Removes every container this instance started and forgets all state. */
  async clear(): Promise<void> {
    const removing = this.runtime.removeAll();
    this.store.reset();
    await removing;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const launches = this.runtime.close();
    await this.scheduler.close();
    await launches;
    await this.clear();
  }

  /** Ships the output of `awslogs` containers to CloudWatch Logs (see awslogs.ts). */
  setLogDriver(logDriver: LogDriver): void {
    this.runtime.logDriver = logDriver;
  }

  /** Hands services with `loadBalancers` to a load balancer (see load-balancing.ts). */
  setLoadBalancing(loadBalancing: LoadBalancing): void {
    this.runtime.loadBalancing = loadBalancing;
  }

  setTickMs(ms: number): void {
    this.options.tickMs = ms;
  }

  async handle(operation: string, input: Json): Promise<Json> {
    return dispatch(this.store, this.runtime, operation, input);
  }

  /** Test hook: kill the running containers of a service (a crash from outside). */
  async crashTasks(clusterRef: string, serviceRef: string): Promise<number> {
    const cluster = this.store.requireCluster(clusterRef);
    const service = this.store.findService(cluster, serviceRef);
    if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
    return this.runtime.kill(this.store.liveTasks(service));
  }
}
