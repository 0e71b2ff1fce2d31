/**
 * The ECS calls of this action, on the AWS SDK v3 client (imported lazily, configured by
 * shared/aws.ts so AWS_ENDPOINT_URL_ECS reaches the local emulator). Throttling and 5xx are
 * retried by the SDK; the errors that remain are rewritten to say what was not found.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import { awsClientConfig } from '../../../shared/aws.js';
import type { DeploymentView, ServiceView, StoppedTask } from './follow.js';
import type { LoadBalancerView, TaskEndpoints } from './targets.js';
import type { Json } from './taskdef.js';

export interface ServiceState extends ServiceView {
  arn: string;
  status: string;
  taskDefinition: string;
  desiredCount: number;
  /** ECS (rolling update), CODE_DEPLOY or EXTERNAL; ECS when the service does not say. */
  deploymentController: string;
  deploymentConfiguration: Json;
  loadBalancers: LoadBalancerView[];
  tags: Record<string, string>;
}

const toMs = (d: Date | undefined) => (d ? d.getTime() : 0);

export type EcsApi = Awaited<ReturnType<typeof createEcsApi>>;

export async function createEcsApi(region: string | undefined, cluster: string, service: string) {
  const sdk = await import('@aws-sdk/client-ecs');
  const client: ECSClient = new sdk.ECSClient(awsClientConfig(region));
  let calls = 0;
  let retries = 0;
  // biome-ignore lint/suspicious/noExplicitAny: each command has its own output type
  const send = async <T>(command: any): Promise<T> => {
    calls++;
    try {
      const output = await client.send(command);
      retries += Math.max(0, ((output as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) - 1);
      return output as T;
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'ClusterNotFoundException') {
        throw new Error(`cluster "${cluster}" was not found (ClusterNotFoundException)`, { cause: error });
      }
      if (name === 'ServiceNotFoundException' || name === 'ServiceNotActiveException') {
        throw new Error(`service "${service}" was not found in cluster "${cluster}" (${name})`, { cause: error });
      }
      throw error;
    }
  };

  const toService = (s: Json): ServiceState => ({
    arn: s.serviceArn,
    status: s.status,
    taskDefinition: s.taskDefinition,
    desiredCount: s.desiredCount ?? 0,
    deploymentController: s.deploymentController?.type ?? 'ECS',
    deploymentConfiguration: s.deploymentConfiguration ?? {},
    loadBalancers: (s.loadBalancers ?? []).map(
      (lb: Json): LoadBalancerView => ({
        targetGroupArn: lb.targetGroupArn,
        loadBalancerName: lb.loadBalancerName,
        containerName: lb.containerName,
        containerPort: lb.containerPort,
      }),
    ),
    tags: Object.fromEntries((s.tags ?? []).map((t: Json) => [t.key, t.value])),
    deployments: (s.deployments ?? []).map(
      (d: Json): DeploymentView => ({
        id: d.id,
        status: d.status,
        taskDefinition: d.taskDefinition,
        rolloutState: d.rolloutState,
        rolloutStateReason: d.rolloutStateReason,
        failedTasks: d.failedTasks,
        runningCount: d.runningCount,
        desiredCount: d.desiredCount,
      }),
    ),
    events: (s.events ?? []).map((e: Json) => ({ id: e.id, createdAt: toMs(e.createdAt), message: e.message ?? '' })),
  });

  return {
    client,
    get calls() {
      return calls;
    },
    get retries() {
      return retries;
    },
    destroy: () => client.destroy(),

    async describeService(): Promise<ServiceState> {
      const out = await send<Json>(
        new sdk.DescribeServicesCommand({ cluster, services: [service], include: ['TAGS'] }),
      );
      const found = out.services?.[0];
      if (!found || found.status === 'INACTIVE') {
        throw new Error(
          `service "${service}" was not found in cluster "${cluster}" (${out.failures?.[0]?.reason ?? 'INACTIVE'})`,
        );
      }
      return toService(found);
    },

    async describeTaskDefinition(reference: string): Promise<{ taskDefinition: Json; tags: Json[] }> {
      try {
        const out = await send<Json>(
          new sdk.DescribeTaskDefinitionCommand({ taskDefinition: reference, include: ['TAGS'] }),
        );
        return { taskDefinition: out.taskDefinition, tags: out.tags ?? [] };
      } catch (error) {
        if ((error as Error).name === 'ClientException') {
          throw new Error(`task definition ${reference} was not found: ${(error as Error).message}`, { cause: error });
        }
        throw error;
      }
    },

    async register(document: Json): Promise<string> {
      const out = await send<Json>(new sdk.RegisterTaskDefinitionCommand(document as never));
      return out.taskDefinition.taskDefinitionArn;
    },

    async update(input: { taskDefinition: string; desiredCount?: number; force: boolean }): Promise<ServiceState> {
      const out = await send<Json>(
        new sdk.UpdateServiceCommand({
          cluster,
          service,
          taskDefinition: input.taskDefinition,
          desiredCount: input.desiredCount,
          forceNewDeployment: input.force || undefined,
        }),
      );
      return toService(out.service);
    },

    async listRevisions(family: string): Promise<string[]> {
      const arns: string[] = [];
      let nextToken: string | undefined;
      do {
        const out = await send<Json>(
          new sdk.ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC', nextToken }),
        );
        arns.push(...(out.taskDefinitionArns ?? []));
        nextToken = out.nextToken;
      } while (nextToken);
      return arns;
    },

    async listStoppedTasks(deploymentId: string): Promise<string[]> {
      const out = await send<Json>(
        new sdk.ListTasksCommand({ cluster, startedBy: deploymentId, desiredStatus: 'STOPPED', maxResults: 100 }),
      );
      return out.taskArns ?? [];
    },

    async describeTasks(arns: string[]): Promise<StoppedTask[]> {
      const result: StoppedTask[] = [];
      for (let i = 0; i < arns.length; i += 100) {
        const out = await send<Json>(new sdk.DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }));
        for (const t of out.tasks ?? []) {
          result.push({
            taskArn: t.taskArn,
            taskDefinitionArn: t.taskDefinitionArn,
            stoppedReason: t.stoppedReason ?? '',
            stopCode: t.stopCode,
            stoppedAt: toMs(t.stoppedAt),
            containers: (t.containers ?? []).map((c: Json) => ({
              name: c.name,
              exitCode: c.exitCode,
              reason: c.reason,
            })),
          });
        }
      }
      return result;
    },

    /** The deployment's running (or starting) tasks with their addresses, for target health. */
    async runningTasks(deploymentId: string): Promise<TaskEndpoints[]> {
      const out = await send<Json>(
        new sdk.ListTasksCommand({ cluster, startedBy: deploymentId, desiredStatus: 'RUNNING', maxResults: 100 }),
      );
      if (!out.taskArns?.length) return [];
      const described = await send<Json>(new sdk.DescribeTasksCommand({ cluster, tasks: out.taskArns }));
      return (described.tasks ?? []).map((t: Json): TaskEndpoints => {
        const eni = (t.attachments ?? []).find((a: Json) => a.type === 'ElasticNetworkInterface');
        const eniIp = eni?.details?.find((d: Json) => d.name === 'privateIPv4Address')?.value;
        const containerIp = (t.containers ?? [])
          .flatMap((c: Json) => c.networkInterfaces ?? [])
          .find((n: Json) => n.privateIpv4Address)?.privateIpv4Address;
        return {
          taskArn: t.taskArn,
          taskDefinitionArn: t.taskDefinitionArn,
          privateIp: eniIp ?? containerIp,
          bindings: (t.containers ?? []).flatMap((c: Json) =>
            (c.networkBindings ?? []).map((b: Json) => ({
              containerName: c.name,
              containerPort: b.containerPort,
              hostPort: b.hostPort,
            })),
          ),
        };
      });
    },

    /** Task definitions of the family that tasks in the cluster run (or are starting). */
    async revisionsInUse(family: string): Promise<string[]> {
      const out = await send<Json>(new sdk.ListTasksCommand({ cluster, family, desiredStatus: 'RUNNING' }));
      if (!out.taskArns?.length) return [];
      const tasks = await send<Json>(new sdk.DescribeTasksCommand({ cluster, tasks: out.taskArns.slice(0, 100) }));
      return (tasks.tasks ?? []).map((t: Json) => t.taskDefinitionArn);
    },

    async tagService(arn: string, tags: Record<string, string>): Promise<void> {
      await send(
        new sdk.TagResourceCommand({
          resourceArn: arn,
          tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
        }),
      );
    },

    async deregister(arn: string): Promise<void> {
      await send(new sdk.DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
    },
  };
}
