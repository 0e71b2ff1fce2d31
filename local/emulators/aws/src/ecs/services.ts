/**
 * Service operations (CreateService, UpdateService, DeleteService, DescribeServices, ListServices),
 * the service response shape, and the start of a deployment (what UpdateService and the circuit
 * breaker's rollback share).
 */
import { randomBytes } from 'node:crypto';
import { AwsError, clientError, invalidParameter } from '../errors.js';
import { paginate } from './pagination.js';
import { pinnedHostPorts } from './ports.js';
import type { EcsStore } from './store.js';
import { type Deployment, type Json, type Service, seconds, type Tag } from './types.js';

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,254}$/;
const digits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join('');

function deploymentConfiguration(given: Json | undefined, current?: Json): Json {
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

/** A new PRIMARY deployment of `taskDefinition`; the previous ones become ACTIVE. */
export function newDeployment(service: Service, taskDefinition: string, reason: string): Deployment {
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

export function createService(store: EcsStore, input: Json): Json {
  const cluster = store.requireCluster(input.cluster);
  const name = input.serviceName;
  if (typeof name !== 'string' || !NAME.test(name)) throw invalidParameter('Service name is invalid.');
  if (store.findService(cluster, name)) throw invalidParameter('Creation of service was not idempotent.');
  const td = store.requireTaskDefinition(input.taskDefinition);
  if (td.status !== 'ACTIVE') throw clientError('TaskDefinition is inactive');
  const desiredCount = input.desiredCount ?? 1;
  if (!Number.isInteger(desiredCount) || desiredCount < 0) throw invalidParameter('desiredCount must be >= 0.');
  const tags: Tag[] = input.tags ?? [];
  const service: Service = {
    arn: store.arn('service', `${cluster}/${name}`),
    name,
    cluster,
    status: 'ACTIVE',
    taskDefinition: td.arn,
    desiredCount,
    launchType: input.launchType ?? 'FARGATE',
    deploymentConfiguration: deploymentConfiguration(input.deploymentConfiguration),
    loadBalancers: input.loadBalancers ?? [],
    deployments: [],
    events: [],
    tags,
    createdAt: Date.now(),
    nextLaunchAt: 0,
    consecutiveFailures: 0,
    lastPlacementEventAt: 0,
  };
  pinnedHostPorts(service); // validates the tag
  const deployment = newDeployment(service, td.arn, '');
  deployment.rolloutStateReason = `ECS deployment ${deployment.id} in progress.`;
  store.services.set(store.serviceKey(cluster, name), service);
  return { service: serviceBody(store, service, true) };
}

export function updateService(store: EcsStore, input: Json): Json {
  const cluster = store.requireCluster(input.cluster);
  const service = store.requireActiveService(cluster, input.service);
  if (input.deploymentConfiguration) {
    service.deploymentConfiguration = deploymentConfiguration(
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
    const td = store.requireTaskDefinition(input.taskDefinition);
    if (td.status !== 'ACTIVE') throw clientError('TaskDefinition is inactive');
    taskDefinition = td.arn;
  }
  if (taskDefinition !== service.taskDefinition || input.forceNewDeployment) {
    const deployment = newDeployment(service, taskDefinition, '');
    deployment.rolloutStateReason = `ECS deployment ${deployment.id} in progress.`;
  }
  return { service: serviceBody(store, service, true) };
}

export function deleteService(store: EcsStore, input: Json): Json {
  const cluster = store.requireCluster(input.cluster);
  const service = store.findService(cluster, input.service);
  if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
  if (service.desiredCount > 0 && !input.force) {
    throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
  }
  service.status = 'DRAINING';
  service.desiredCount = 0;
  for (const d of service.deployments) d.desiredCount = 0;
  return { service: serviceBody(store, service, false) };
}

export function describeServices(store: EcsStore, input: Json): Json {
  const cluster = store.requireCluster(input.cluster);
  const services: Json[] = [];
  const failures: Json[] = [];
  const includeTags = (input.include ?? []).includes('TAGS');
  for (const ref of input.services ?? []) {
    const service = store.services.get(store.serviceKey(cluster, store.serviceName(ref)));
    if (service) services.push(serviceBody(store, service, includeTags));
    else failures.push({ arn: store.arn('service', `${cluster}/${store.serviceName(ref)}`), reason: 'MISSING' });
  }
  return { services, failures };
}

export function listServices(store: EcsStore, input: Json): Json {
  const cluster = store.requireCluster(input.cluster);
  const arns = [...store.services.values()]
    .filter((s) => s.cluster === cluster && s.status === 'ACTIVE')
    .map((s) => s.arn);
  return paginate(arns, input, 'serviceArns');
}

function serviceBody(store: EcsStore, service: Service, includeTags: boolean): Json {
  const live = store.liveTasks(service);
  const body: Json = {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: store.clusters.get(service.cluster)?.arn ?? store.arn('cluster', service.cluster),
    loadBalancers: service.loadBalancers ?? [],
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
    createdBy: `arn:aws:iam::${store.options.accountId}:user/emulator`,
    enableECSManagedTags: false,
    propagateTags: 'NONE',
    enableExecuteCommand: false,
  };
  if (includeTags) body.tags = service.tags;
  return body;
}
