/**
 * The one store every part of the ECS emulator reads and writes: task definitions by family,
 * clusters, services (keyed `cluster/name`) and tasks (keyed by task id), with the lookups the API,
 * the scheduler and the runtime share (ARNs, references by name or ARN, live tasks, events).
 */
import { randomUUID } from 'node:crypto';
import { AwsError, clientError } from '../errors.js';
import { type Timing, timingFor } from './timing.js';
import type { Cluster, Deployment, EcsOptions, Service, Task, TaskDefinition } from './types.js';

export class EcsStore {
  readonly taskDefinitions = new Map<string, TaskDefinition[]>();
  readonly clusters = new Map<string, Cluster>();
  readonly services = new Map<string, Service>();
  readonly tasks = new Map<string, Task>();

  constructor(readonly options: EcsOptions) {
    this.reset();
  }

  reset(): void {
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

  arn(kind: string, rest: string): string {
    return `arn:aws:ecs:${this.options.region}:${this.options.accountId}:${kind}/${rest}`;
  }

  // ------------------------------------------------------------------ task definitions

  /** `family`, `family:revision` or a full ARN; `family` alone means its latest ACTIVE revision. */
  findTaskDefinition(reference: unknown): TaskDefinition | undefined {
    if (typeof reference !== 'string' || !reference) return undefined;
    const name = reference.startsWith('arn:') ? reference.slice(reference.indexOf('task-definition/') + 16) : reference;
    const [family, revision] = name.split(':');
    const revisions = this.taskDefinitions.get(family ?? '') ?? [];
    if (revision === undefined) return revisions.filter((t) => t.status === 'ACTIVE').at(-1);
    return revisions.find((t) => t.revision === Number(revision));
  }

  requireTaskDefinition(reference: unknown): TaskDefinition {
    const td = this.findTaskDefinition(reference);
    if (!td) throw clientError('Unable to describe task definition.');
    return td;
  }

  // ------------------------------------------------------------------ clusters

  clusterName(reference: unknown): string {
    const ref = typeof reference === 'string' && reference ? reference : 'default';
    return ref.startsWith('arn:') ? ref.slice(ref.indexOf('cluster/') + 8) : ref;
  }

  requireCluster(reference: unknown): string {
    const name = this.clusterName(reference);
    if (!this.clusters.has(name)) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
    return name;
  }

  /** The cluster's timing profile (a tag that became invalid falls back to the process default). */
  timingOf(cluster: string): Timing {
    const tags = this.clusters.get(cluster)?.tags ?? [];
    try {
      return timingFor(tags);
    } catch {
      return timingFor([]);
    }
  }

  // ------------------------------------------------------------------ services

  serviceKey(cluster: string, name: string): string {
    return `${cluster}/${name}`;
  }

  serviceName(reference: unknown): string {
    const ref = String(reference ?? '');
    return ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
  }

  findService(cluster: string, reference: unknown): Service | undefined {
    const service = this.services.get(this.serviceKey(cluster, this.serviceName(reference)));
    return service && service.status !== 'INACTIVE' ? service : undefined;
  }

  requireActiveService(cluster: string, reference: unknown): Service {
    const service = this.services.get(this.serviceKey(cluster, this.serviceName(reference)));
    if (!service || service.status === 'INACTIVE') throw new AwsError('ServiceNotFoundException', 'Service not found.');
    if (service.status !== 'ACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
    return service;
  }

  /** The service a task belongs to, if any. */
  serviceOf(task: Task): Service | undefined {
    return task.service ? this.services.get(this.serviceKey(task.cluster, task.service)) : undefined;
  }

  /** Tasks of the service (of one deployment when given) that are neither stopped nor stopping. */
  liveTasks(service: Service, deployment?: Deployment): Task[] {
    return [...this.tasks.values()].filter(
      (t) =>
        t.cluster === service.cluster &&
        t.service === service.name &&
        t.lastStatus !== 'STOPPED' &&
        t.desiredStatus === 'RUNNING' &&
        (!deployment || t.startedBy === deployment.id),
    );
  }

  /** Appends a service event (newest first, the last 100 kept, as DescribeServices shows them). */
  event(service: Service, message: string): void {
    service.events.unshift({
      id: randomUUID(),
      createdAt: Date.now(),
      message: `(service ${service.name}) ${message}`,
    });
    if (service.events.length > 100) service.events.length = 100;
  }
}
