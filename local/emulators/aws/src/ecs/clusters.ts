/** Cluster operations (CreateCluster, DescribeClusters, ListClusters) and resource tags. */
import { AwsError, invalidParameter } from '../errors.js';
import { paginate } from './pagination.js';
import type { EcsStore } from './store.js';
import { timingFor } from './timing.js';
import type { Json, Tag } from './types.js';

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,254}$/;

export function createCluster(store: EcsStore, input: Json): Json {
  const name = input.clusterName ?? 'default';
  if (!NAME.test(name)) throw invalidParameter('Cluster name is invalid.');
  timingFor(input.tags ?? []); // an emulator:profile or emulator:time-scale tag must be valid
  const existing = store.clusters.get(name);
  const cluster = existing ?? { arn: store.arn('cluster', name), name, tags: input.tags ?? [], createdAt: Date.now() };
  store.clusters.set(name, cluster);
  return { cluster: clusterBody(store, name) };
}

function clusterBody(store: EcsStore, name: string): Json {
  const cluster = store.clusters.get(name)!;
  const services = [...store.services.values()].filter((s) => s.cluster === name && s.status === 'ACTIVE');
  const tasks = [...store.tasks.values()].filter((t) => t.cluster === name && t.lastStatus !== 'STOPPED');
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

export function describeClusters(store: EcsStore, input: Json): Json {
  const clusters: Json[] = [];
  const failures: Json[] = [];
  for (const ref of input.clusters ?? ['default']) {
    const name = store.clusterName(ref);
    if (store.clusters.has(name)) clusters.push(clusterBody(store, name));
    else failures.push({ arn: store.arn('cluster', name), reason: 'MISSING' });
  }
  return { clusters, failures };
}

export function listClusters(store: EcsStore, input: Json): Json {
  return paginate(
    [...store.clusters.values()].map((c) => c.arn),
    input,
    'clusterArns',
  );
}

// ------------------------------------------------------------------ tags

function taggable(store: EcsStore, arn: string): { tags: Tag[] } {
  if (arn.includes(':task-definition/')) {
    const td = store.findTaskDefinition(arn);
    if (td && arn.includes(':')) return td;
  } else if (arn.includes(':service/')) {
    const [cluster, name] = arn.slice(arn.indexOf(':service/') + 9).split('/');
    const service = name ? store.findService(cluster!, name) : undefined;
    if (service) return service;
  } else if (arn.includes(':cluster/')) {
    const cluster = store.clusters.get(store.clusterName(arn));
    if (cluster) return cluster;
  }
  throw new AwsError('InvalidParameterException', 'The specified resource could not be found.');
}

export function listTagsForResource(store: EcsStore, input: Json): Json {
  return { tags: taggable(store, String(input.resourceArn ?? '')).tags };
}

export function tagResource(store: EcsStore, input: Json): Json {
  const target = taggable(store, String(input.resourceArn ?? ''));
  if (String(input.resourceArn).includes(':cluster/')) timingFor([...(input.tags ?? []), ...target.tags]);
  for (const tag of input.tags ?? []) {
    const existing = target.tags.find((t) => t.key === tag.key);
    if (existing) existing.value = tag.value;
    else target.tags.push({ key: tag.key, value: tag.value });
  }
  return {};
}

export function untagResource(store: EcsStore, input: Json): Json {
  const target = taggable(store, String(input.resourceArn ?? ''));
  target.tags = target.tags.filter((t) => !(input.tagKeys ?? []).includes(t.key));
  return {};
}
