/** Task operations (ListTasks, DescribeTasks, StopTask) and the task response shape. */
import { AwsError, invalidParameter } from '../errors.js';
import { paginate } from './pagination.js';
import type { TaskRuntime } from './runtime.js';
import type { EcsStore } from './store.js';
import { type Json, type Service, seconds, type Task } from './types.js';

export function listTasks(store: EcsStore, input: Json): Json {
  const cluster = store.requireCluster(input.cluster);
  let service: Service | undefined;
  if (input.serviceName) {
    service = store.findService(cluster, input.serviceName);
    if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
  }
  const desired = input.desiredStatus ?? 'RUNNING';
  const arns = [...store.tasks.values()]
    .filter(
      (t) =>
        t.cluster === cluster &&
        (!service || t.service === service.name) &&
        (!input.startedBy || t.startedBy === input.startedBy) &&
        (!input.family || t.taskDefinitionArn.includes(`task-definition/${input.family}:`)) &&
        (desired === 'PENDING'
          ? t.desiredStatus === 'RUNNING' && t.lastStatus !== 'RUNNING'
          : t.desiredStatus === desired),
    )
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((t) => t.arn);
  return paginate(arns, input, 'taskArns');
}

export function describeTasks(store: EcsStore, input: Json): Json {
  const cluster = store.requireCluster(input.cluster);
  const tasks: Json[] = [];
  const failures: Json[] = [];
  for (const ref of input.tasks ?? []) {
    const id = String(ref).slice(String(ref).lastIndexOf('/') + 1);
    const task = store.tasks.get(id);
    if (task && task.cluster === cluster) tasks.push(taskBody(store, task));
    else
      failures.push({
        arn: String(ref).startsWith('arn:') ? ref : store.arn('task', `${cluster}/${id}`),
        reason: 'MISSING',
      });
  }
  return { tasks, failures };
}

export function stopTask(store: EcsStore, runtime: TaskRuntime, input: Json): Json {
  const cluster = store.requireCluster(input.cluster);
  const id = String(input.task ?? '').slice(String(input.task ?? '').lastIndexOf('/') + 1);
  const task = store.tasks.get(id);
  if (!task || task.cluster !== cluster) throw invalidParameter('The referenced task was not found.');
  runtime.requestStop(task, input.reason ?? 'Task stopped by user', 'UserInitiated');
  return { task: taskBody(store, task) };
}

/**
 * awsvpc tasks (Fargate) report their ENI as an attachment and in each container's
 * networkInterfaces, and no networkBindings: nothing is bound on a host port (ECS API reference,
 * Task: attachments; Container: networkBindings). Here they still listen on their host port (the
 * emulator has no task networks), which stays internal: the load balancer seam uses it.
 */
function eniShapes(task: Task): { attachments: Json[]; networkInterfaces?: Json[] } {
  const eni = task.eni;
  if (!eni) return { attachments: [] };
  const details = [
    ['subnetId', eni.subnet],
    ['networkInterfaceId', eni.id],
    ['macAddress', eni.mac],
    ['privateDnsName', `ip-${eni.privateIp.replaceAll('.', '-')}.ec2.internal`],
    ['privateIPv4Address', eni.privateIp],
  ].map(([name, value]) => ({ name, value }));
  const status =
    task.lastStatus === 'STOPPED' ? 'DELETED' : task.lastStatus === 'PROVISIONING' ? 'PRECREATED' : 'ATTACHED';
  return {
    attachments: [{ id: eni.attachmentId, type: 'ElasticNetworkInterface', status, details }],
    networkInterfaces: [{ attachmentId: eni.attachmentId, privateIpv4Address: eni.privateIp }],
  };
}

export function taskBody(store: EcsStore, task: Task): Json {
  const { attachments, networkInterfaces } = eniShapes(task);
  return {
    attachments,
    taskArn: task.arn,
    clusterArn: store.clusters.get(task.cluster)?.arn,
    taskDefinitionArn: task.taskDefinitionArn,
    containers: task.containers.map((c) => ({
      containerArn: store.arn('container', `${task.cluster}/${task.id}/${c.name}`),
      taskArn: task.arn,
      name: c.name,
      image: c.image,
      runtimeId: c.dockerId,
      lastStatus: c.lastStatus,
      exitCode: c.exitCode,
      reason: c.reason,
      networkBindings: task.eni ? [] : c.networkBindings,
      networkInterfaces,
      healthStatus: c.healthStatus,
    })),
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    healthStatus: task.healthStatus,
    group: task.group ?? (task.service ? `service:${task.service}` : undefined),
    startedBy: task.startedBy,
    // A task placed by a capacity provider reports the provider, not a launch type.
    launchType: task.capacityProviderName
      ? undefined
      : (task.launchType ?? store.serviceOf(task)?.launchType ?? 'FARGATE'),
    capacityProviderName: task.capacityProviderName,
    overrides: task.overrides,
    createdAt: seconds(task.createdAt),
    startedAt: task.startedAt && seconds(task.startedAt),
    stoppingAt: task.stoppingAt && seconds(task.stoppingAt),
    stoppedAt: task.stoppedAt && seconds(task.stoppedAt),
    stoppedReason: task.stoppedReason,
    stopCode: task.stopCode,
    version: task.version,
    cpu: task.cpu,
    memory: task.memory,
    connectivity: 'CONNECTED',
    availabilityZone: `${store.options.region}a`,
  };
}
