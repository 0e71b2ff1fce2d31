/**
 * ECS services behind ELBv2 target groups: the `LoadBalancing` seam of src/ecs/load-balancing.ts
 * implemented with the emulator's ELBv2 state, and the checks ECS makes of `loadBalancers` on
 * CreateService/UpdateService (ECS API Reference, CreateService: "loadBalancers").
 */
import { randomUUID } from 'node:crypto';
import type { LoadBalancing, Target, TargetHealth } from '../ecs/load-balancing.js';
import type { Json, Service } from '../ecs/types.js';
import { targetHealth } from './dataplane.js';
import type { Elbv2 } from './elbv2.js';
import { ElbError } from './query.js';

/** A service event as ECS words it (the same shape as EcsStore.event, which the seam cannot reach). */
function event(service: Service, message: string): void {
  service.events.unshift({ id: randomUUID(), createdAt: Date.now(), message: `(service ${service.name}) ${message}` });
  if (service.events.length > 100) service.events.length = 100;
}

/** Every task runs on this machine's network: HAProxy reaches its targets at 127.0.0.1 and the host port. */
const targetOf = (t: Target) => ({ Id: t.ip, Port: t.port });

export function ecsLoadBalancing(elbv2: Elbv2, pollMs = 100): LoadBalancing {
  const entry = (t: Target) => {
    try {
      return elbv2.group(t.targetGroupArn);
    } catch {
      return undefined;
    }
  };
  return {
    async register(service: Service, target: Target) {
      await elbv2.handle('RegisterTargets', { TargetGroupArn: target.targetGroupArn, Targets: [targetOf(target)] });
      event(service, `registered 1 targets in (target-group ${target.targetGroupArn})`);
    },
    health(_service: Service, target: Target): TargetHealth {
      const group = entry(target);
      const registered = group?.targets.get(`${target.ip}:${target.port}`);
      if (!group || !registered) return 'unused';
      const state = targetHealth(group.tg, registered, elbv2.loadBalancersOf(group.tg.arn).length > 0).State;
      // Health checks disabled: ELBv2 reports `unavailable` and ECS does not wait on it.
      return state === 'unavailable' ? 'healthy' : (state as TargetHealth);
    },
    /** Resolves once the target has drained (no request in flight) or its deregistration delay ran out. */
    async deregister(service: Service, target: Target) {
      if (!entry(target)) return;
      await elbv2.handle('DeregisterTargets', { TargetGroupArn: target.targetGroupArn, Targets: [targetOf(target)] });
      event(service, 'has begun draining connections on 1 tasks.');
      while (entry(target)?.targets.has(`${target.ip}:${target.port}`)) await new Promise((r) => setTimeout(r, pollMs));
      event(service, `deregistered 1 targets in (target-group ${target.targetGroupArn})`);
    },
  };
}

/** ECS's own words for a `loadBalancers` entry it refuses (an InvalidParameterException each). */
export function loadBalancerProblems(elbv2: Elbv2, loadBalancers: Json[], containers: Json[]): string[] {
  const problems: string[] = [];
  for (const lb of loadBalancers) {
    if (!lb.targetGroupArn) {
      problems.push('loadBalancers: targetGroupArn is required for an Application Load Balancer.');
      continue;
    }
    try {
      elbv2.group(String(lb.targetGroupArn));
    } catch (error) {
      if (!(error instanceof ElbError)) throw error;
      problems.push(
        `Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions. Target group ${lb.targetGroupArn} not found.`,
      );
      continue;
    }
    if (!elbv2.loadBalancersOf(String(lb.targetGroupArn)).length) {
      problems.push(
        `The target group with targetGroupArn ${lb.targetGroupArn} does not have an associated load balancer.`,
      );
      continue;
    }
    const container = containers.find((c) => c.name === lb.containerName);
    if (!container) {
      problems.push(`The container ${lb.containerName} does not exist in the task definition.`);
      continue;
    }
    const ports: Json[] = container.portMappings ?? [];
    if (!ports.some((p) => p.containerPort === lb.containerPort)) {
      problems.push(`The container ${lb.containerName} did not have a container port ${lb.containerPort} defined.`);
    }
  }
  return problems;
}
