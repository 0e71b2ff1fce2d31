/**
 * The seam between ECS services and a load balancer (ELBv2 lives in `src/elbv2/`). The ECS side
 * calls it; an ELBv2 implementation only has to implement `LoadBalancing` and be handed to `Ecs`.
 *
 * What ECS does, and so when the scheduler and runtime call each method (ECS developer guide,
 * "Use load balancing to distribute Amazon ECS service traffic" and "Health check grace period"):
 * - `register(service, target)` once a task of a service with `loadBalancers` is RUNNING: one call
 *   per `loadBalancers[]` entry of the service, with the task's ip:port for that entry's container
 *   and container port (awsvpc: the task's private IP and the container port).
 * - `health(service, target)` on every tick while the task is live: a task of a service with load
 *   balancers counts toward minimumHealthyPercent (and COMPLETED) only when every target group
 *   says `healthy` as well as its container health check; `unhealthy` after the service's
 *   healthCheckGracePeriodSeconds stops the task as ECS does ("Task failed ELB health checks").
 *   `initial` (still being checked) and `unused` count as not yet healthy.
 * - `deregister(service, target)` before the task's containers get SIGTERM: ECS deregisters the
 *   target, waits for connection draining (the target group's deregistration delay) and only then
 *   stops the task. The promise resolves when draining is over.
 * A service without `loadBalancers` never reaches these calls. The default implementation
 * (`noLoadBalancing`) answers for a service that has them as if no load balancer existed.
 */
import type { Json, Service, Task } from './types.js';

export type TargetHealth = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining';

/** One task in one of the service's target groups. */
export interface Target {
  /** `loadBalancers[].targetGroupArn` of the service. */
  targetGroupArn: string;
  containerName: string;
  containerPort: number;
  /** Where the target answers: 127.0.0.1 (every task runs on the host network here). */
  ip: string;
  /** The port it answers on: the task's host port (the container gets it as $PORT). */
  port: number;
  /** What ECS reports as the target for awsvpc tasks (target type `ip`): the ENI's private IP. */
  privateIp?: string;
  taskArn: string;
}

export interface LoadBalancing {
  register(service: Service, target: Target): Promise<void>;
  health(service: Service, target: Target): TargetHealth;
  deregister(service: Service, target: Target): Promise<void>;
}

/** No load balancer: registration and draining are instant, and every target is healthy. */
export const noLoadBalancing: LoadBalancing = {
  register: async () => {},
  health: () => 'healthy',
  deregister: async () => {},
};

/** The targets of a task: one per `loadBalancers[]` entry whose container and port the task has. */
export function targetsOf(service: Service, task: Task): Target[] {
  const entries: Json[] = service.loadBalancers ?? [];
  const targets: Target[] = [];
  for (const lb of entries) {
    if (!lb.targetGroupArn) continue;
    const container = task.containers.find((c) => c.name === lb.containerName);
    const binding = container?.networkBindings.find((b) => b.containerPort === lb.containerPort);
    if (!container || !binding) continue;
    targets.push({
      targetGroupArn: lb.targetGroupArn,
      containerName: container.name,
      containerPort: lb.containerPort,
      ip: '127.0.0.1',
      port: binding.hostPort ?? lb.containerPort,
      privateIp: task.eni?.privateIp,
      taskArn: task.arn,
    });
  }
  return targets;
}
