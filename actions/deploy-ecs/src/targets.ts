/**
 * Target health of a deployment's tasks in the service's target groups. ECS counts a task behind a
 * load balancer as healthy only once its target group says so, so a deploy that never completes is
 * often a task the load balancer keeps marking unhealthy; this names it with the reason code
 * (ELBv2 API reference, TargetHealth: states initial/healthy/unhealthy/draining..., reasons
 * Target.FailedHealthChecks, Target.Timeout, Target.ResponseCodeMismatch...).
 *
 * Matching a task to its target: an awsvpc task is registered by its ENI's private IP and the
 * container port; a bridge/host task by its container instance and the host port (matched here by
 * the host port, which is unique per instance).
 */
import { awsClientConfig, isTransientAwsError } from '../../../shared/aws.js';
import { errorMessage } from '../../../shared/errors.js';

/** One entry of the service's `loadBalancers`: which container port a target group sends traffic to. */
export interface LoadBalancerView {
  targetGroupArn?: string;
  loadBalancerName?: string;
  containerName?: string;
  containerPort?: number;
}

export interface TaskEndpoints {
  taskArn: string;
  taskDefinitionArn: string;
  /** The task's ENI address (awsvpc network mode). */
  privateIp?: string;
  bindings: { containerName: string; containerPort?: number; hostPort?: number }[];
}

export interface TargetState {
  id: string;
  port?: number;
  state: string;
  reason?: string;
  description?: string;
}

export interface TaskTargetHealth {
  taskArn: string;
  taskDefinitionArn: string;
  targetGroupArn: string;
  /** `id:port` as the target group lists it. */
  target: string;
  state: string;
  reason?: string;
  description?: string;
  everHealthy: boolean;
}

export interface TargetsApi {
  /** The deployment's tasks that are running (or starting), with their addresses. */
  runningTasks(deploymentId: string): Promise<TaskEndpoints[]>;
  targetHealth(targetGroupArn: string): Promise<TargetState[]>;
}

export const targetGroupName = (arn: string): string => arn.match(/:targetgroup\/([^/]+)/)?.[1] ?? arn;

/** The target of `task` in the target group of `lb`, if the group lists one. */
export function findTarget(task: TaskEndpoints, lb: LoadBalancerView, targets: TargetState[]): TargetState | undefined {
  if (task.privateIp) return targets.find((t) => t.id === task.privateIp && t.port === lb.containerPort);
  const hostPorts = task.bindings
    .filter((b) => b.containerName === lb.containerName && b.containerPort === lb.containerPort && b.hostPort)
    .map((b) => b.hostPort);
  return targets.find((t) => t.port !== undefined && hostPorts.includes(t.port));
}

const describe = (h: Pick<TaskTargetHealth, 'state' | 'reason' | 'description'>): string =>
  `${h.state}${h.reason ? ` (${h.reason}${h.description ? `: ${h.description}` : ''})` : ''}`;

const taskId = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

export function describeTargetHealth(h: TaskTargetHealth): string {
  return `task ${taskId(h.taskArn)} in target group ${targetGroupName(h.targetGroupArn)} (${h.target}): ${describe(h)}`;
}

/**
 * Follows the target health of one deployment's tasks across polls. A task keeps its last state
 * after it stopped (its target drains and goes), so the one that never became healthy can be named.
 * Errors never fail the deploy: a transient one skips a poll, any other stops the watch with a warning.
 */
export class TargetWatch {
  private readonly seen = new Map<string, TaskTargetHealth>();
  private disabled = false;

  constructor(
    private readonly api: TargetsApi,
    private readonly loadBalancers: LoadBalancerView[],
    private readonly deploymentId: string,
    private readonly log: { warn(message: string): void; info(message: string): void },
  ) {}

  get health(): TaskTargetHealth[] {
    return [...this.seen.values()];
  }

  /** Tasks seen in a target group that never reached `healthy` there. */
  neverHealthy(): TaskTargetHealth[] {
    return this.health.filter((h) => !h.everHealthy);
  }

  async observe(): Promise<void> {
    const groups = this.loadBalancers.filter((lb) => lb.targetGroupArn);
    if (this.disabled || !groups.length) return;
    try {
      const tasks = await this.api.runningTasks(this.deploymentId);
      if (!tasks.length) return;
      for (const lb of groups) {
        const targets = await this.api.targetHealth(lb.targetGroupArn!);
        for (const task of tasks) {
          const target = findTarget(task, lb, targets);
          if (target) this.record(task, lb.targetGroupArn!, target);
        }
      }
    } catch (error) {
      if (isTransientAwsError(error)) return;
      this.disabled = true;
      this.log.warn(
        `target health not followed (${errorMessage(error)}); allow elasticloadbalancing:DescribeTargetHealth to see it`,
      );
    }
  }

  private record(task: TaskEndpoints, targetGroupArn: string, target: TargetState): void {
    const key = `${task.taskArn} ${targetGroupArn}`;
    const before = this.seen.get(key);
    // Once the task is gone its target drains: keep the state that explains why it went.
    if (before && /draining|unused/.test(target.state) && before.state !== 'healthy') return;
    const now: TaskTargetHealth = {
      taskArn: task.taskArn,
      taskDefinitionArn: task.taskDefinitionArn,
      targetGroupArn,
      target: `${target.id}:${target.port ?? '-'}`,
      state: target.state,
      reason: target.reason,
      description: target.description,
      everHealthy: (before?.everHealthy ?? false) || target.state === 'healthy',
    };
    this.seen.set(key, now);
    if (before && before.state === now.state && before.reason === now.reason) return;
    if (now.state === 'unhealthy') this.log.warn(describeTargetHealth(now));
    else this.log.info(describeTargetHealth(now));
  }
}

/** DescribeTargetHealth over the ELBv2 SDK client (imported lazily; AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2). */
export async function createTargetsApi(
  region: string | undefined,
  runningTasks: TargetsApi['runningTasks'],
): Promise<TargetsApi & { destroy(): void; readonly calls: number }> {
  const sdk = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const client = new sdk.ElasticLoadBalancingV2Client(awsClientConfig(region));
  let calls = 0;
  return {
    runningTasks,
    get calls() {
      return calls;
    },
    destroy: () => client.destroy(),
    async targetHealth(targetGroupArn) {
      calls++;
      const out = await client.send(new sdk.DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
      return (out.TargetHealthDescriptions ?? []).map((d) => ({
        id: d.Target?.Id ?? '',
        port: d.Target?.Port,
        state: d.TargetHealth?.State ?? 'unavailable',
        reason: d.TargetHealth?.Reason,
        description: d.TargetHealth?.Description,
      }));
    },
  };
}
