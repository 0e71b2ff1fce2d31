/**
 * The ECS part of the emulator: task definitions, clusters, services with rolling deployments
 * (PRIMARY/ACTIVE, rolloutState, minimum healthy / maximum percent, circuit breaker with
 * rollback), service events, and tasks that are real containers on the local Docker engine.
 *
 * Time is a rollout tick (`tickMs`): each tick reads the state of every live container with one
 * `docker inspect`, then schedules each service. Shapes follow the ECS API reference.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ContainerState, docker, inspectContainers, removeContainers, stopContainer } from './docker.js';
import { AwsError, clientError, invalidParameter } from './errors.js';

// biome-ignore lint/suspicious/noExplicitAny: wire-format documents are open-ended JSON
type Json = Record<string, any>;
interface Tag {
  key: string;
  value?: string;
}

export interface EcsOptions {
  region: string;
  accountId: string;
  tickMs: number;
  /** Host ports handed to tasks whose service does not pin its own (`emulator:host-ports` tag). */
  hostPortRange: [number, number];
  /** Health check intervals longer than this are shortened (tests run in seconds, not minutes). */
  healthIntervalCapMs: number;
  /** Label put on every container, so one emulator instance removes only its own. */
  instanceLabel: string;
  /** Secrets Manager / SSM lookup for task definition `secrets[].valueFrom`. */
  resolveSecret: (valueFrom: string) => string | undefined;
}

interface TaskDefinition {
  arn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE';
  body: Json;
  tags: Tag[];
}

interface Deployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinition: string;
  desiredCount: number;
  pendingCount: number;
  runningCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  launchType: string;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
}

interface ServiceEvent {
  id: string;
  createdAt: number;
  message: string;
}

interface Service {
  arn: string;
  name: string;
  cluster: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  taskDefinition: string;
  desiredCount: number;
  launchType: string;
  deploymentConfiguration: Json;
  deployments: Deployment[];
  events: ServiceEvent[];
  tags: Tag[];
  createdAt: number;
  /** The last deployment that reached COMPLETED: what the circuit breaker rolls back to. */
  lastCompleted?: { id: string; taskDefinition: string };
  nextLaunchAt: number;
  consecutiveFailures: number;
  lastPlacementEventAt: number;
}

interface Container {
  name: string;
  image: string;
  essential: boolean;
  hasHealthCheck: boolean;
  dockerId?: string;
  lastStatus: string;
  exitCode?: number;
  reason?: string;
  healthStatus: string;
  networkBindings: Json[];
}

interface Task {
  arn: string;
  id: string;
  cluster: string;
  service?: string;
  taskDefinitionArn: string;
  startedBy: string;
  lastStatus: string;
  desiredStatus: 'RUNNING' | 'STOPPED';
  healthStatus: string;
  containers: Container[];
  launching: boolean;
  stoppedReason?: string;
  stopCode?: string;
  createdAt: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  version: number;
  cpu?: string;
  memory?: string;
}

const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,254}$/;
/** Fields of DescribeTaskDefinition that RegisterTaskDefinition does not take. */
const OUTPUT_ONLY = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
];
const STOPPED_TASK_RETENTION_MS = 60 * 60 * 1000;
const HOST_PORTS_TAG = 'emulator:host-ports';

const seconds = (ms: number) => ms / 1000;
const digits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join('');

export class Ecs {
  private taskDefinitions = new Map<string, TaskDefinition[]>();
  private clusters = new Map<string, { arn: string; name: string; tags: Tag[]; createdAt: number }>();
  private services = new Map<string, Service>();
  private tasks = new Map<string, Task>();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private pendingRemovals: string[] = [];
  private closed = false;
  private launches = new Set<Promise<void>>();

  constructor(readonly options: EcsOptions) {
    this.reset();
  }

  // ------------------------------------------------------------------ lifecycle

  start(): void {
    const loop = async () => {
      if (this.closed) return;
      await this.tick().catch((error) => console.error(`[aws-emulator] tick failed: ${error}`));
      if (!this.closed) this.timer = setTimeout(loop, this.options.tickMs);
    };
    this.timer = setTimeout(loop, this.options.tickMs);
  }

  /** Removes every container this instance started and forgets all state. */
  async clear(): Promise<void> {
    const ids = [...this.tasks.values()].flatMap((t) => t.containers.map((c) => c.dockerId)).filter(Boolean);
    this.reset();
    await removeContainers([...(ids as string[]), ...this.pendingRemovals.splice(0)]);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.ticking) await new Promise((r) => setTimeout(r, 20));
    await Promise.allSettled([...this.launches]);
    await this.clear();
  }

  private reset(): void {
    this.taskDefinitions.clear();
    this.clusters.clear();
    this.services.clear();
    this.tasks.clear();
    this.clusters.set('default', {
      arn: this.arn('cluster', 'default'),
      name: 'default',
      tags: [],
      createdAt: Date.now(),
    });
  }

  setTickMs(ms: number): void {
    this.options.tickMs = ms;
  }

  // ------------------------------------------------------------------ API

  async handle(operation: string, input: Json): Promise<Json> {
    switch (operation) {
      case 'RegisterTaskDefinition':
        return this.registerTaskDefinition(input);
      case 'DescribeTaskDefinition':
        return this.describeTaskDefinition(input);
      case 'DeregisterTaskDefinition':
        return this.deregisterTaskDefinition(input);
      case 'ListTaskDefinitions':
        return this.listTaskDefinitions(input);
      case 'ListTaskDefinitionFamilies':
        return this.listTaskDefinitionFamilies(input);
      case 'CreateCluster':
        return this.createCluster(input);
      case 'DescribeClusters':
        return this.describeClusters(input);
      case 'ListClusters':
        return { clusterArns: [...this.clusters.values()].map((c) => c.arn) };
      case 'CreateService':
        return this.createService(input);
      case 'UpdateService':
        return this.updateService(input);
      case 'DeleteService':
        return this.deleteService(input);
      case 'DescribeServices':
        return this.describeServices(input);
      case 'ListServices':
        return this.listServices(input);
      case 'ListTasks':
        return this.listTasks(input);
      case 'DescribeTasks':
        return this.describeTasks(input);
      case 'StopTask':
        return this.stopTaskApi(input);
      case 'TagResource':
        return this.tagResource(input);
      case 'UntagResource':
        return this.untagResource(input);
      case 'ListTagsForResource':
        return { tags: this.tagsOf(String(input.resourceArn ?? '')) };
      default:
        throw new AwsError('UnknownOperationException', `Operation ${operation} is not supported by the emulator`);
    }
  }

  private arn(kind: string, rest: string): string {
    return `arn:aws:ecs:${this.options.region}:${this.options.accountId}:${kind}/${rest}`;
  }

  // ------------------------------------------------------------------ task definitions

  private registerTaskDefinition(input: Json): Json {
    const family = input.family;
    if (typeof family !== 'string' || !FAMILY.test(family)) {
      throw clientError('Family contains invalid characters or is longer than 255 characters.');
    }
    const containers = input.containerDefinitions;
    if (!Array.isArray(containers) || containers.length === 0) {
      throw clientError('Container list cannot be empty.');
    }
    const names = new Set<string>();
    for (const c of containers) {
      if (!c?.name) throw clientError('Container.name should not be null or empty.');
      if (!c.image) throw clientError('Container.image should not be null or empty.');
      if (names.has(c.name)) throw clientError(`Duplicate container name found: ${c.name}.`);
      names.add(c.name);
    }
    if (!containers.some((c: Json) => c.essential !== false)) {
      throw clientError('Task definition does not have any essential container.');
    }
    const revisions = this.taskDefinitions.get(family) ?? [];
    const revision = (revisions.at(-1)?.revision ?? 0) + 1;
    const arn = this.arn('task-definition', `${family}:${revision}`);
    const { tags = [], ...fields } = input;
    for (const key of OUTPUT_ONLY) delete fields[key];
    const body: Json = {
      ...fields,
      taskDefinitionArn: arn,
      containerDefinitions: containers.map((c: Json) => ({
        cpu: 0,
        essential: true,
        environment: [],
        mountPoints: [],
        volumesFrom: [],
        ...c,
        portMappings: (c.portMappings ?? []).map((p: Json) => ({
          hostPort: p.containerPort,
          protocol: 'tcp',
          ...p,
        })),
      })),
      family,
      revision,
      volumes: fields.volumes ?? [],
      status: 'ACTIVE',
      requiresAttributes: [],
      placementConstraints: fields.placementConstraints ?? [],
      compatibilities: ['EC2', 'FARGATE'],
      registeredAt: seconds(Date.now()),
      registeredBy: `arn:aws:iam::${this.options.accountId}:user/emulator`,
    };
    const td: TaskDefinition = { arn, family, revision, status: 'ACTIVE', body, tags: [...tags] };
    revisions.push(td);
    this.taskDefinitions.set(family, revisions);
    return { taskDefinition: body, tags: td.tags };
  }

  /** `family`, `family:revision` or a full ARN; `family` alone means its latest ACTIVE revision. */
  private findTaskDefinition(reference: unknown): TaskDefinition | undefined {
    if (typeof reference !== 'string' || !reference) return undefined;
    const name = reference.startsWith('arn:') ? reference.slice(reference.indexOf('task-definition/') + 16) : reference;
    const [family, revision] = name.split(':');
    const revisions = this.taskDefinitions.get(family ?? '') ?? [];
    if (revision === undefined) return revisions.filter((t) => t.status === 'ACTIVE').at(-1);
    return revisions.find((t) => t.revision === Number(revision));
  }

  private requireTaskDefinition(reference: unknown): TaskDefinition {
    const td = this.findTaskDefinition(reference);
    if (!td) throw clientError('Unable to describe task definition.');
    return td;
  }

  private describeTaskDefinition(input: Json): Json {
    const td = this.requireTaskDefinition(input.taskDefinition);
    const result: Json = { taskDefinition: this.taskDefinitionBody(td) };
    if ((input.include ?? []).includes('TAGS')) result.tags = td.tags;
    return result;
  }

  private taskDefinitionBody(td: TaskDefinition): Json {
    return td.status === 'INACTIVE' ? { ...td.body, status: 'INACTIVE' } : td.body;
  }

  private deregisterTaskDefinition(input: Json): Json {
    const reference = String(input.taskDefinition ?? '');
    if (!reference.includes(':')) throw clientError('Invalid revision number. Number: ');
    const td = this.requireTaskDefinition(reference);
    if (td.status === 'ACTIVE') {
      td.status = 'INACTIVE';
      td.body = { ...td.body, status: 'INACTIVE', deregisteredAt: seconds(Date.now()) };
    }
    return { taskDefinition: td.body };
  }

  private listTaskDefinitions(input: Json): Json {
    const status = input.status ?? 'ACTIVE';
    const prefix = input.familyPrefix ?? '';
    let all = [...this.taskDefinitions.values()]
      .flat()
      .filter((t) => t.family.startsWith(prefix) && (status === 'ALL' || t.status === status))
      .sort((a, b) => a.family.localeCompare(b.family) || a.revision - b.revision)
      .map((t) => t.arn);
    if (input.sort === 'DESC') all = all.reverse();
    return paginate(all, input, 'taskDefinitionArns');
  }

  private listTaskDefinitionFamilies(input: Json): Json {
    const prefix = input.familyPrefix ?? '';
    const families = [...this.taskDefinitions.entries()]
      .filter(([family, revisions]) => family.startsWith(prefix) && revisions.some((t) => t.status === 'ACTIVE'))
      .map(([family]) => family)
      .sort();
    return paginate(families, input, 'families');
  }

  // ------------------------------------------------------------------ clusters

  private createCluster(input: Json): Json {
    const name = input.clusterName ?? 'default';
    if (!NAME.test(name)) throw invalidParameter('Cluster name is invalid.');
    const existing = this.clusters.get(name);
    const cluster = existing ?? { arn: this.arn('cluster', name), name, tags: input.tags ?? [], createdAt: Date.now() };
    this.clusters.set(name, cluster);
    return { cluster: this.clusterBody(name) };
  }

  private clusterBody(name: string): Json {
    const cluster = this.clusters.get(name)!;
    const services = [...this.services.values()].filter((s) => s.cluster === name && s.status === 'ACTIVE');
    const tasks = [...this.tasks.values()].filter((t) => t.cluster === name && t.lastStatus !== 'STOPPED');
    return {
      clusterArn: cluster.arn,
      clusterName: name,
      status: 'ACTIVE',
      registeredContainerInstancesCount: 0,
      runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingTasksCount: tasks.filter((t) => t.lastStatus !== 'RUNNING').length,
      activeServicesCount: services.length,
      tags: cluster.tags,
    };
  }

  private describeClusters(input: Json): Json {
    const clusters: Json[] = [];
    const failures: Json[] = [];
    for (const ref of input.clusters ?? ['default']) {
      const name = this.clusterName(ref);
      if (this.clusters.has(name)) clusters.push(this.clusterBody(name));
      else failures.push({ arn: this.arn('cluster', name), reason: 'MISSING' });
    }
    return { clusters, failures };
  }

  private clusterName(reference: unknown): string {
    const ref = typeof reference === 'string' && reference ? reference : 'default';
    return ref.startsWith('arn:') ? ref.slice(ref.indexOf('cluster/') + 8) : ref;
  }

  private requireCluster(reference: unknown): string {
    const name = this.clusterName(reference);
    if (!this.clusters.has(name)) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
    return name;
  }

  // ------------------------------------------------------------------ services

  private serviceKey = (cluster: string, name: string) => `${cluster}/${name}`;

  private serviceName(reference: unknown): string {
    const ref = String(reference ?? '');
    return ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
  }

  private findService(cluster: string, reference: unknown): Service | undefined {
    const service = this.services.get(this.serviceKey(cluster, this.serviceName(reference)));
    return service && service.status !== 'INACTIVE' ? service : undefined;
  }

  private requireActiveService(cluster: string, reference: unknown): Service {
    const service = this.services.get(this.serviceKey(cluster, this.serviceName(reference)));
    if (!service || service.status === 'INACTIVE') throw new AwsError('ServiceNotFoundException', 'Service not found.');
    if (service.status !== 'ACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
    return service;
  }

  private deploymentConfiguration(given: Json | undefined, current?: Json): Json {
    const merged = { ...(current ?? {}), ...(given ?? {}) };
    const maximumPercent = merged.maximumPercent ?? 200;
    const minimumHealthyPercent = merged.minimumHealthyPercent ?? 100;
    if (maximumPercent < 100 || maximumPercent > 200 * 10) {
      throw invalidParameter('maximumPercent should be at least 100.');
    }
    if (minimumHealthyPercent < 0 || minimumHealthyPercent > 100) {
      throw invalidParameter('minimumHealthyPercent should be between 0 and 100.');
    }
    return {
      deploymentCircuitBreaker: { enable: false, rollback: false, ...(merged.deploymentCircuitBreaker ?? {}) },
      maximumPercent,
      minimumHealthyPercent,
    };
  }

  private newDeployment(service: Service, taskDefinition: string, reason: string): Deployment {
    const now = Date.now();
    for (const d of service.deployments) d.status = 'ACTIVE';
    const deployment: Deployment = {
      id: `ecs-svc/${digits(19)}`,
      status: 'PRIMARY',
      taskDefinition,
      desiredCount: service.desiredCount,
      pendingCount: 0,
      runningCount: 0,
      failedTasks: 0,
      createdAt: now,
      updatedAt: now,
      launchType: service.launchType,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: reason,
    };
    service.deployments.unshift(deployment);
    service.taskDefinition = taskDefinition;
    service.consecutiveFailures = 0;
    service.nextLaunchAt = 0;
    return deployment;
  }

  private createService(input: Json): Json {
    const cluster = this.requireCluster(input.cluster);
    const name = input.serviceName;
    if (typeof name !== 'string' || !NAME.test(name)) throw invalidParameter('Service name is invalid.');
    if (this.findService(cluster, name)) throw invalidParameter('Creation of service was not idempotent.');
    const td = this.requireTaskDefinition(input.taskDefinition);
    if (td.status !== 'ACTIVE') throw clientError('TaskDefinition is inactive');
    const desiredCount = input.desiredCount ?? 1;
    if (!Number.isInteger(desiredCount) || desiredCount < 0) throw invalidParameter('desiredCount must be >= 0.');
    const tags: Tag[] = input.tags ?? [];
    const service: Service = {
      arn: this.arn('service', `${cluster}/${name}`),
      name,
      cluster,
      status: 'ACTIVE',
      taskDefinition: td.arn,
      desiredCount,
      launchType: input.launchType ?? 'FARGATE',
      deploymentConfiguration: this.deploymentConfiguration(input.deploymentConfiguration),
      deployments: [],
      events: [],
      tags,
      createdAt: Date.now(),
      nextLaunchAt: 0,
      consecutiveFailures: 0,
      lastPlacementEventAt: 0,
    };
    this.hostPortsOf(service); // validates the tag
    this.newDeployment(service, td.arn, `ECS deployment ${'pending'} in progress.`);
    service.deployments[0]!.rolloutStateReason = `ECS deployment ${service.deployments[0]!.id} in progress.`;
    this.services.set(this.serviceKey(cluster, name), service);
    return { service: this.serviceBody(service, true) };
  }

  private updateService(input: Json): Json {
    const cluster = this.requireCluster(input.cluster);
    const service = this.requireActiveService(cluster, input.service);
    if (input.deploymentConfiguration) {
      service.deploymentConfiguration = this.deploymentConfiguration(
        input.deploymentConfiguration,
        service.deploymentConfiguration,
      );
    }
    if (input.desiredCount !== undefined) {
      if (!Number.isInteger(input.desiredCount) || input.desiredCount < 0) {
        throw invalidParameter('desiredCount must be >= 0.');
      }
      service.desiredCount = input.desiredCount;
      service.deployments[0]!.desiredCount = input.desiredCount;
    }
    let taskDefinition = service.taskDefinition;
    if (input.taskDefinition !== undefined) {
      const td = this.requireTaskDefinition(input.taskDefinition);
      if (td.status !== 'ACTIVE') throw clientError('TaskDefinition is inactive');
      taskDefinition = td.arn;
    }
    if (taskDefinition !== service.taskDefinition || input.forceNewDeployment) {
      const deployment = this.newDeployment(service, taskDefinition, '');
      deployment.rolloutStateReason = `ECS deployment ${deployment.id} in progress.`;
    }
    return { service: this.serviceBody(service, true) };
  }

  private deleteService(input: Json): Json {
    const cluster = this.requireCluster(input.cluster);
    const service = this.findService(cluster, input.service);
    if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
    if (service.desiredCount > 0 && !input.force) {
      throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
    }
    service.status = 'DRAINING';
    service.desiredCount = 0;
    for (const d of service.deployments) d.desiredCount = 0;
    return { service: this.serviceBody(service, false) };
  }

  private describeServices(input: Json): Json {
    const cluster = this.requireCluster(input.cluster);
    const services: Json[] = [];
    const failures: Json[] = [];
    const includeTags = (input.include ?? []).includes('TAGS');
    for (const ref of input.services ?? []) {
      const service = this.services.get(this.serviceKey(cluster, this.serviceName(ref)));
      if (service) services.push(this.serviceBody(service, includeTags));
      else failures.push({ arn: this.arn('service', `${cluster}/${this.serviceName(ref)}`), reason: 'MISSING' });
    }
    return { services, failures };
  }

  private listServices(input: Json): Json {
    const cluster = this.requireCluster(input.cluster);
    const arns = [...this.services.values()]
      .filter((s) => s.cluster === cluster && s.status === 'ACTIVE')
      .map((s) => s.arn);
    return paginate(arns, input, 'serviceArns');
  }

  private serviceBody(service: Service, includeTags: boolean): Json {
    const live = this.liveTasks(service);
    const body: Json = {
      serviceArn: service.arn,
      serviceName: service.name,
      clusterArn: this.clusters.get(service.cluster)?.arn ?? this.arn('cluster', service.cluster),
      loadBalancers: [],
      serviceRegistries: [],
      status: service.status,
      desiredCount: service.desiredCount,
      runningCount: live.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingCount: live.filter((t) => t.lastStatus !== 'RUNNING').length,
      launchType: service.launchType,
      taskDefinition: service.taskDefinition,
      deploymentConfiguration: service.deploymentConfiguration,
      deployments: service.deployments.map((d) => ({
        ...d,
        createdAt: seconds(d.createdAt),
        updatedAt: seconds(d.updatedAt),
      })),
      events: service.events.map((e) => ({ ...e, createdAt: seconds(e.createdAt) })),
      createdAt: seconds(service.createdAt),
      placementConstraints: [],
      placementStrategy: [],
      schedulingStrategy: 'REPLICA',
      deploymentController: { type: 'ECS' },
      createdBy: `arn:aws:iam::${this.options.accountId}:user/emulator`,
      enableECSManagedTags: false,
      propagateTags: 'NONE',
      enableExecuteCommand: false,
    };
    if (includeTags) body.tags = service.tags;
    return body;
  }

  private event(service: Service, message: string): void {
    service.events.unshift({
      id: randomUUID(),
      createdAt: Date.now(),
      message: `(service ${service.name}) ${message}`,
    });
    if (service.events.length > 100) service.events.length = 100;
  }

  // ------------------------------------------------------------------ tasks

  private listTasks(input: Json): Json {
    const cluster = this.requireCluster(input.cluster);
    let service: Service | undefined;
    if (input.serviceName) {
      service = this.findService(cluster, input.serviceName);
      if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
    }
    const desired = input.desiredStatus ?? 'RUNNING';
    const arns = [...this.tasks.values()]
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

  private describeTasks(input: Json): Json {
    const cluster = this.requireCluster(input.cluster);
    const tasks: Json[] = [];
    const failures: Json[] = [];
    for (const ref of input.tasks ?? []) {
      const id = String(ref).slice(String(ref).lastIndexOf('/') + 1);
      const task = this.tasks.get(id);
      if (task && task.cluster === cluster) tasks.push(this.taskBody(task));
      else
        failures.push({
          arn: String(ref).startsWith('arn:') ? ref : this.arn('task', `${cluster}/${id}`),
          reason: 'MISSING',
        });
    }
    return { tasks, failures };
  }

  private async stopTaskApi(input: Json): Promise<Json> {
    const cluster = this.requireCluster(input.cluster);
    const id = String(input.task ?? '').slice(String(input.task ?? '').lastIndexOf('/') + 1);
    const task = this.tasks.get(id);
    if (!task || task.cluster !== cluster) throw invalidParameter('The referenced task was not found.');
    this.requestStop(task, input.reason ?? 'Task stopped by user', 'UserInitiated');
    return { task: this.taskBody(task) };
  }

  private taskBody(task: Task): Json {
    const body: Json = {
      taskArn: task.arn,
      clusterArn: this.clusters.get(task.cluster)?.arn,
      taskDefinitionArn: task.taskDefinitionArn,
      containers: task.containers.map((c) => ({
        containerArn: this.arn('container', `${task.cluster}/${task.id}/${c.name}`),
        taskArn: task.arn,
        name: c.name,
        image: c.image,
        runtimeId: c.dockerId,
        lastStatus: c.lastStatus,
        exitCode: c.exitCode,
        reason: c.reason,
        networkBindings: c.networkBindings,
        healthStatus: c.healthStatus,
      })),
      lastStatus: task.lastStatus,
      desiredStatus: task.desiredStatus,
      healthStatus: task.healthStatus,
      group: task.service ? `service:${task.service}` : undefined,
      startedBy: task.startedBy,
      launchType: this.services.get(this.serviceKey(task.cluster, task.service ?? ''))?.launchType ?? 'FARGATE',
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
      availabilityZone: `${this.options.region}a`,
    };
    return body;
  }

  // ------------------------------------------------------------------ tags

  private tagsOf(arn: string): Tag[] {
    return this.taggable(arn).tags;
  }

  private taggable(arn: string): { tags: Tag[] } {
    if (arn.includes(':task-definition/')) {
      const td = this.findTaskDefinition(arn);
      if (td && arn.includes(':')) return td;
    } else if (arn.includes(':service/')) {
      const [cluster, name] = arn.slice(arn.indexOf(':service/') + 9).split('/');
      const service = name ? this.findService(cluster!, name) : undefined;
      if (service) return service;
    } else if (arn.includes(':cluster/')) {
      const cluster = this.clusters.get(this.clusterName(arn));
      if (cluster) return cluster;
    }
    throw new AwsError('InvalidParameterException', 'The specified resource could not be found.');
  }

  private tagResource(input: Json): Json {
    const target = this.taggable(String(input.resourceArn ?? ''));
    for (const tag of input.tags ?? []) {
      const existing = target.tags.find((t) => t.key === tag.key);
      if (existing) existing.value = tag.value;
      else target.tags.push({ key: tag.key, value: tag.value });
    }
    return {};
  }

  private untagResource(input: Json): Json {
    const target = this.taggable(String(input.resourceArn ?? ''));
    target.tags = target.tags.filter((t) => !(input.tagKeys ?? []).includes(t.key));
    return {};
  }

  // ------------------------------------------------------------------ the rollout engine

  private liveTasks(service: Service, deployment?: Deployment): Task[] {
    return [...this.tasks.values()].filter(
      (t) =>
        t.cluster === service.cluster &&
        t.service === service.name &&
        t.lastStatus !== 'STOPPED' &&
        t.desiredStatus === 'RUNNING' &&
        (!deployment || t.startedBy === deployment.id),
    );
  }

  private isHealthy(task: Task): boolean {
    return (
      task.lastStatus === 'RUNNING' &&
      (task.healthStatus === 'HEALTHY' || !task.containers.some((c) => c.hasHealthCheck))
    );
  }

  /** One step of time: container states in, scheduling decisions out. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const live = [...this.tasks.values()].filter((t) => t.lastStatus !== 'STOPPED' && !t.launching);
      const ids = live.flatMap((t) => t.containers.map((c) => c.dockerId).filter(Boolean)) as string[];
      const states = await inspectContainers(ids);
      if (this.closed) return;
      for (const task of live) this.observe(task, states);
      for (const service of this.services.values()) this.schedule(service);
      const now = Date.now();
      for (const [id, task] of this.tasks) {
        if (task.lastStatus === 'STOPPED' && now - (task.stoppedAt ?? now) > STOPPED_TASK_RETENTION_MS)
          this.tasks.delete(id);
      }
      const removals = this.pendingRemovals.splice(0);
      if (removals.length) void removeContainers(removals);
    } finally {
      this.ticking = false;
    }
  }

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
    const service = task.service ? this.services.get(this.serviceKey(task.cluster, task.service)) : undefined;
    if (task.desiredStatus === 'STOPPED') {
      if (!allRunning || task.containers.every((c) => c.lastStatus === 'STOPPED')) this.markStopped(task);
      return;
    }
    if (essentialExit) {
      task.stoppedReason = 'Essential container in task exited';
      task.stopCode = 'EssentialContainerExited';
      this.markStopped(task);
      this.countFailure(service, task);
      return;
    }
    if (unhealthy) {
      if (service) this.event(service, `(task ${task.id}) failed container health checks.`);
      this.countFailure(service, task);
      this.requestStop(task, 'Task failed container health checks', 'ServiceSchedulerInitiated');
      return;
    }
    if (allRunning && task.lastStatus !== 'RUNNING') {
      task.lastStatus = 'RUNNING';
      task.startedAt = Date.now();
      task.version++;
    }
    const health = task.containers.some((c) => c.hasHealthCheck) ? (allHealthy ? 'HEALTHY' : 'UNKNOWN') : 'UNKNOWN';
    if (health !== task.healthStatus) {
      task.healthStatus = health;
      task.version++;
    }
    if (service && this.isHealthy(task)) service.consecutiveFailures = 0;
  }

  private countFailure(service: Service | undefined, task: Task): void {
    if (!service) return;
    const deployment = service.deployments.find((d) => d.id === task.startedBy);
    if (deployment) {
      deployment.failedTasks++;
      deployment.updatedAt = Date.now();
    }
    service.consecutiveFailures++;
    // Task launch backoff, as ECS throttles a service whose tasks keep failing.
    const backoff = this.options.tickMs * Math.min(2 ** service.consecutiveFailures, 16);
    service.nextLaunchAt = Date.now() + backoff;
  }

  private markStopped(task: Task): void {
    const now = Date.now();
    task.lastStatus = 'STOPPED';
    task.desiredStatus = 'STOPPED';
    task.stoppingAt ??= now;
    task.stoppedAt = now;
    task.healthStatus = 'UNKNOWN';
    task.version++;
    for (const c of task.containers) {
      c.lastStatus = 'STOPPED';
      if (c.dockerId) this.pendingRemovals.push(c.dockerId);
    }
  }

  private requestStop(task: Task, reason: string, stopCode: string): void {
    if (task.desiredStatus === 'STOPPED') return;
    task.desiredStatus = 'STOPPED';
    task.stoppedReason = reason;
    task.stopCode = stopCode;
    task.stoppingAt = Date.now();
    task.version++;
    if (task.launching) return; // stopped when the launch finishes
    const ids = task.containers.map((c) => c.dockerId).filter(Boolean) as string[];
    if (ids.length === 0) {
      this.markStopped(task);
      return;
    }
    void Promise.all(ids.map((id) => stopContainer(id))).then(() => {
      if (task.lastStatus !== 'STOPPED') {
        for (const c of task.containers) c.exitCode ??= 143;
        this.markStopped(task);
      }
    });
  }

  private schedule(service: Service): void {
    const now = Date.now();
    const primary = service.deployments[0];
    if (!primary) return;
    const config = service.deploymentConfiguration;
    const desired = service.status === 'ACTIVE' ? service.desiredCount : 0;
    const maxTotal = Math.max(desired, Math.floor((desired * config.maximumPercent) / 100));
    const minHealthy = Math.ceil((desired * config.minimumHealthyPercent) / 100);
    const allLive = this.liveTasks(service);

    // Circuit breaker: enough failed tasks in the PRIMARY deployment ends it.
    const breaker = config.deploymentCircuitBreaker ?? {};
    const threshold = Math.min(200, Math.max(3, Math.ceil(desired * 0.5)));
    if (breaker.enable && primary.rolloutState === 'IN_PROGRESS' && primary.failedTasks >= threshold) {
      primary.rolloutState = 'FAILED';
      primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
      primary.updatedAt = now;
      this.event(service, `(deployment ${primary.id}) deployment failed: tasks failed to start.`);
      const target = service.lastCompleted;
      if (breaker.rollback && target && target.taskDefinition !== primary.taskDefinition) {
        const rollback = this.newDeployment(service, target.taskDefinition, '');
        rollback.rolloutStateReason = `ECS deployment circuit breaker: rolling back to deploymentId ${target.id}.`;
        this.event(service, `rolling back to deployment ${target.id}.`);
      }
      this.schedule(service);
      return;
    }

    const current = service.deployments[0]!;
    const launchable = current.rolloutState !== 'FAILED' && service.status === 'ACTIVE';
    let liveCount = allLive.length;
    const started: string[] = [];
    let primaryLive = this.liveTasks(service, current);
    if (launchable && now >= service.nextLaunchAt) {
      const td = this.findTaskDefinition(current.taskDefinition);
      while (td && primaryLive.length + started.length < current.desiredCount && liveCount < maxTotal) {
        const task = this.launch(service, current, td);
        if (!task) break;
        started.push(task.id);
        liveCount++;
      }
    }
    if (started.length) {
      this.event(service, `has started ${started.length} tasks: ${started.map((id) => `(task ${id})`).join(' ')}.`);
    }

    // Surplus tasks of the primary (scaled in), then tasks of older deployments, keeping minHealthy.
    const stopped: string[] = [];
    primaryLive = this.liveTasks(service, current);
    let healthy = this.liveTasks(service).filter((t) => this.isHealthy(t)).length;
    const surplus = primaryLive.length - current.desiredCount;
    for (const task of primaryLive
      .sort((a, b) => Number(this.isHealthy(a)) - Number(this.isHealthy(b)))
      .slice(0, Math.max(0, surplus))) {
      if (this.isHealthy(task) && healthy - 1 < minHealthy && desired > 0) break;
      if (this.isHealthy(task)) healthy--;
      this.requestStop(task, `Scaling activity initiated by (deployment ${current.id})`, 'ServiceSchedulerInitiated');
      stopped.push(task.id);
    }
    for (const old of service.deployments.slice(1)) {
      const tasks = this.liveTasks(service, old).sort((a, b) => Number(this.isHealthy(a)) - Number(this.isHealthy(b)));
      for (const task of tasks) {
        if (this.isHealthy(task)) {
          if (healthy - 1 < minHealthy) break;
          healthy--;
        }
        this.requestStop(task, `Scaling activity initiated by (deployment ${current.id})`, 'ServiceSchedulerInitiated');
        stopped.push(task.id);
      }
    }
    if (stopped.length) {
      this.event(
        service,
        `has stopped ${stopped.length} running tasks: ${stopped.map((id) => `(task ${id})`).join(' ')}.`,
      );
    }

    // Drop drained older deployments; update counts.
    service.deployments = service.deployments.filter(
      (d, i) =>
        i === 0 ||
        [...this.tasks.values()].some(
          (t) =>
            t.service === service.name &&
            t.cluster === service.cluster &&
            t.startedBy === d.id &&
            t.lastStatus !== 'STOPPED',
        ),
    );
    for (const d of service.deployments) {
      const tasks = this.liveTasks(service, d);
      const running = tasks.filter((t) => t.lastStatus === 'RUNNING').length;
      const pending = tasks.length - running;
      if (running !== d.runningCount || pending !== d.pendingCount) {
        d.runningCount = running;
        d.pendingCount = pending;
        d.updatedAt = now;
      }
    }

    // Completed: the PRIMARY runs its desired count, healthy, and nothing else is left.
    const primaryHealthy = this.liveTasks(service, current).filter((t) => this.isHealthy(t)).length;
    if (
      current.rolloutState === 'IN_PROGRESS' &&
      service.deployments.length === 1 &&
      primaryHealthy === current.desiredCount &&
      this.liveTasks(service, current).length === current.desiredCount
    ) {
      current.rolloutState = 'COMPLETED';
      current.rolloutStateReason = `ECS deployment ${current.id} completed.`;
      current.updatedAt = now;
      service.lastCompleted = { id: current.id, taskDefinition: current.taskDefinition };
      this.event(service, `(deployment ${current.id}) deployment completed.`);
      this.event(service, 'has reached a steady state.');
    }
    if (
      service.status === 'DRAINING' &&
      allLive.length === 0 &&
      service.deployments.every((d) => d.runningCount === 0)
    ) {
      service.status = 'INACTIVE';
    }
  }

  // ------------------------------------------------------------------ launching containers

  private hostPortsOf(service: Service): number[] {
    const tag = service.tags.find((t) => t.key === HOST_PORTS_TAG)?.value;
    if (!tag) return [];
    const ports = tag
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
      throw invalidParameter(`Tag ${HOST_PORTS_TAG} must list port numbers separated by spaces or commas.`);
    }
    return ports;
  }

  private portsInUse(): Set<number> {
    const used = new Set<number>();
    for (const t of this.tasks.values()) {
      if (t.lastStatus === 'STOPPED') continue;
      for (const c of t.containers) for (const b of c.networkBindings) used.add(b.hostPort);
    }
    return used;
  }

  private nextAllotted = 0;
  /** A free host port: from the service's pinned list when it has one, else from the range. */
  private pickHostPort(service: Service): number | undefined {
    const used = this.portsInUse();
    const pinned = this.hostPortsOf(service);
    if (pinned.length) return pinned.find((p) => !used.has(p));
    const [low, high] = this.options.hostPortRange;
    const size = high - low + 1;
    for (let i = 0; i < size; i++) {
      const port = low + ((this.nextAllotted + i) % size);
      if (!used.has(port)) {
        this.nextAllotted = (this.nextAllotted + i + 1) % size;
        return port;
      }
    }
    return undefined;
  }

  private launch(service: Service, deployment: Deployment, td: TaskDefinition): Task | undefined {
    const body = td.body;
    const needsPort = body.containerDefinitions.some((c: Json) => (c.portMappings ?? []).length > 0);
    const hostPort = needsPort ? this.pickHostPort(service) : undefined;
    if (needsPort && hostPort === undefined) {
      if (Date.now() - service.lastPlacementEventAt > 60_000) {
        service.lastPlacementEventAt = Date.now();
        this.event(
          service,
          'was unable to place a task because no container instance met all of its requirements. The closest matching container instance has already-used ports.',
        );
      }
      return undefined;
    }
    const id = randomBytes(16).toString('hex');
    const task: Task = {
      arn: this.arn('task', `${service.cluster}/${id}`),
      id,
      cluster: service.cluster,
      service: service.name,
      taskDefinitionArn: td.arn,
      startedBy: deployment.id,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      launching: true,
      createdAt: Date.now(),
      version: 1,
      cpu: body.cpu,
      memory: body.memory,
      containers: body.containerDefinitions.map((c: Json, index: number) => ({
        name: c.name,
        image: c.image,
        essential: c.essential !== false,
        hasHealthCheck: Array.isArray(c.healthCheck?.command) && c.healthCheck.command.length > 0,
        lastStatus: 'PENDING',
        healthStatus: 'UNKNOWN',
        networkBindings: (c.portMappings ?? []).map((p: Json, i: number) => ({
          bindIP: '0.0.0.0',
          containerPort: p.containerPort,
          hostPort: index === 0 && i === 0 ? hostPort : (p.hostPort ?? p.containerPort),
          protocol: p.protocol ?? 'tcp',
        })),
      })),
    };
    // The first port mapping of the task gets the allotted host port, whichever container has it.
    const first = task.containers.find((c) => c.networkBindings.length > 0);
    if (first && hostPort !== undefined) first.networkBindings[0]!.hostPort = hostPort;
    this.tasks.set(id, task);
    const launching = this.startContainers(task, td, hostPort);
    this.launches.add(launching);
    void launching.finally(() => this.launches.delete(launching));
    return task;
  }

  private async startContainers(task: Task, td: TaskDefinition, hostPort: number | undefined): Promise<void> {
    const temp = mkdtempSync(join(tmpdir(), 'aws-emulator-'));
    try {
      task.lastStatus = 'PENDING';
      for (const [index, def] of (td.body.containerDefinitions as Json[]).entries()) {
        const container = task.containers[index]!;
        const env: string[] = [];
        for (const e of def.environment ?? []) env.push(`${e.name}=${e.value ?? ''}`);
        for (const s of def.secrets ?? []) {
          const value = this.options.resolveSecret(String(s.valueFrom));
          if (value === undefined) {
            return this.failLaunch(
              task,
              `ResourceInitializationError: unable to pull secrets or registry auth: retrieve secret from ${s.valueFrom}: ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
            );
          }
          env.push(`${s.name}=${value}`);
        }
        if (container.networkBindings.length && container.networkBindings[0]!.hostPort === hostPort && hostPort) {
          env.push(`PORT=${hostPort}`);
        }
        const envFile = join(temp, `${index}.env`);
        writeFileSync(envFile, env.map((line) => line.replace(/\n/g, ' ')).join('\n'), { mode: 0o600 });
        const args = [
          'run',
          '-d',
          '--network',
          'host',
          '--name',
          `ecs-${task.cluster}-${task.service}-${task.id.slice(0, 12)}-${def.name}`.replace(/[^A-Za-z0-9_.-]/g, '-'),
          '--label',
          this.options.instanceLabel,
          '--label',
          `org.deploy-actions.ecs-task=${task.arn}`,
          '--env-file',
          envFile,
        ];
        args.push(...this.healthArgs(def.healthCheck));
        const entryPoint: string[] = def.entryPoint ?? [];
        if (entryPoint.length) args.push('--entrypoint', entryPoint[0]!);
        if (def.workingDirectory) args.push('--workdir', def.workingDirectory);
        if (def.user) args.push('--user', def.user);
        args.push(def.image, ...entryPoint.slice(1), ...(def.command ?? []));
        const result = await docker(args, 300_000);
        if (result.code !== 0) {
          const lines = result.stderr
            .trim()
            .split('\n')
            .filter((l) => l && !l.startsWith("Run 'docker run --help'"));
          const detail = lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? `docker run exited with ${result.code}`;
          const pull = /pull|manifest|not found|unknown|denied|repository/i.test(detail);
          return this.failLaunch(
            task,
            pull
              ? `CannotPullContainerError: pull image manifest has been retried 1 time(s): ${detail}`
              : `CannotStartContainerError: ${detail}`,
          );
        }
        container.dockerId = result.stdout.trim().slice(0, 64);
        container.lastStatus = 'PENDING';
        if (this.closed) void removeContainers([container.dockerId]);
      }
      task.launching = false;
      if (task.desiredStatus === 'STOPPED') {
        const { stoppedReason = 'Task stopped', stopCode = 'ServiceSchedulerInitiated' } = task;
        task.desiredStatus = 'RUNNING';
        this.requestStop(task, stoppedReason, stopCode);
      }
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  }

  private failLaunch(task: Task, reason: string): void {
    task.launching = false;
    task.stoppedReason = reason;
    task.stopCode = 'TaskFailedToStart';
    for (const c of task.containers) {
      if (!c.dockerId) c.reason = reason.split(':')[0];
    }
    this.markStopped(task);
    const service = task.service ? this.services.get(this.serviceKey(task.cluster, task.service)) : undefined;
    this.countFailure(service, task);
  }

  /** The task definition's healthCheck as Docker's own health check (run inside the container). */
  private healthArgs(healthCheck: Json | undefined): string[] {
    const command: string[] | undefined = healthCheck?.command;
    if (!Array.isArray(command) || command.length === 0 || command[0] === 'NONE') return [];
    const [kind, ...rest] = command;
    const shell = kind === 'CMD-SHELL' ? rest.join(' ') : (kind === 'CMD' ? rest : command).map(shellQuote).join(' ');
    const cap = this.options.healthIntervalCapMs;
    const ms = (secondsValue: number | undefined, fallback: number) =>
      `${Math.min((secondsValue ?? fallback) * 1000, cap)}ms`;
    return [
      '--health-cmd',
      shell,
      '--health-interval',
      ms(healthCheck?.interval, 30),
      '--health-timeout',
      `${(healthCheck?.timeout ?? 5) * 1000}ms`,
      '--health-retries',
      String(healthCheck?.retries ?? 3),
      '--health-start-period',
      `${Math.min((healthCheck?.startPeriod ?? 0) * 1000, cap * 10)}ms`,
    ];
  }

  /** Test hook: kill the running containers of a service (a crash from outside). */
  async crashTasks(clusterRef: string, serviceRef: string): Promise<number> {
    const cluster = this.requireCluster(clusterRef);
    const service = this.findService(cluster, serviceRef);
    if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
    const ids = this.liveTasks(service).flatMap((t) => t.containers.map((c) => c.dockerId).filter(Boolean)) as string[];
    if (ids.length) await docker(['kill', ...ids], 30_000);
    return ids.length;
  }
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function paginate(items: string[], input: Json, key: string): Json {
  const start = input.nextToken ? Number.parseInt(Buffer.from(String(input.nextToken), 'base64').toString(), 10) : 0;
  if (Number.isNaN(start)) throw invalidParameter('Invalid nextToken.');
  const size = Math.min(Math.max(Number(input.maxResults ?? 100), 1), 100);
  const page = items.slice(start, start + size);
  const result: Json = { [key]: page };
  if (start + size < items.length) result.nextToken = Buffer.from(String(start + size)).toString('base64');
  return result;
}

/** Checks whether a TCP port can be bound on the host (used by tests choosing pinned ports). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}
