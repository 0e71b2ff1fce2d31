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

const PROPAGATE_TAGS = ['TASK_DEFINITION', 'SERVICE', 'NONE'];

/**
 * awsvpc task definitions need the service's `networkConfiguration.awsvpcConfiguration`, and other
 * network modes refuse one (ECS's own InvalidParameterException messages).
 */
export function checkNetwork(networkMode: string | undefined, networkConfiguration: Json | undefined): void {
  const awsvpc = networkConfiguration?.awsvpcConfiguration;
  if (networkMode === 'awsvpc') {
    if (!awsvpc)
      throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    if (!Array.isArray(awsvpc.subnets) || awsvpc.subnets.length === 0) {
      throw invalidParameter('subnets can not be empty.');
    }
  } else if (awsvpc) {
    throw invalidParameter('Network Configuration is not valid for the given networkMode of this task definition.');
  }
}

/** `loadBalancers` against the load balancer (unknown target group) and the task definition (container, port). */
function checkLoadBalancers(store: EcsStore, loadBalancers: Json[] | undefined, taskDefinition: Json): void {
  if (!loadBalancers?.length) return;
  const problem = store.options.checkLoadBalancers?.(loadBalancers, taskDefinition.containerDefinitions ?? []);
  if (problem) throw invalidParameter(problem);
}

/** The CreateService/UpdateService options the emulator keeps and returns (given ones only). */
function applyOptions(service: Service, input: Json): void {
  if (input.propagateTags !== undefined) {
    if (!PROPAGATE_TAGS.includes(input.propagateTags)) {
      throw invalidParameter(`propagateTags must be one of ${PROPAGATE_TAGS.join(', ')}.`);
    }
    service.propagateTags = input.propagateTags;
  }
  if (input.enableExecuteCommand !== undefined) service.enableExecuteCommand = Boolean(input.enableExecuteCommand);
  if (input.enableECSManagedTags !== undefined) service.enableECSManagedTags = Boolean(input.enableECSManagedTags);
  if (input.networkConfiguration !== undefined) service.networkConfiguration = input.networkConfiguration;
  if (input.platformVersion !== undefined) service.platformVersion = input.platformVersion;
  if (input.loadBalancers !== undefined) service.loadBalancers = input.loadBalancers;
  if (input.healthCheckGracePeriodSeconds !== undefined) {
    const grace = input.healthCheckGracePeriodSeconds;
    if (!Number.isInteger(grace) || grace < 0 || grace > 2_147_483_647) {
      throw invalidParameter('healthCheckGracePeriodSeconds must be between 0 and 2147483647.');
    }
    service.healthCheckGracePeriodSeconds = grace;
  }
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
    networkConfiguration: service.networkConfiguration,
    platformVersion: service.platformVersion,
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
  const launchType = input.launchType ?? 'FARGATE';
  checkNetwork(td.body.networkMode, input.networkConfiguration);
  checkLoadBalancers(store, input.loadBalancers, td.body);
  const service: Service = {
    arn: store.arn('service', `${cluster}/${name}`),
    name,
    cluster,
    status: 'ACTIVE',
    taskDefinition: td.arn,
    desiredCount,
    launchType,
    deploymentConfiguration: deploymentConfiguration(input.deploymentConfiguration),
    loadBalancers: [],
    platformVersion: launchType === 'FARGATE' ? 'LATEST' : undefined,
    propagateTags: 'NONE',
    enableExecuteCommand: false,
    enableECSManagedTags: false,
    deployments: [],
    events: [],
    tags,
    createdAt: Date.now(),
    nextLaunchAt: 0,
    consecutiveFailures: 0,
    lastPlacementEventAt: 0,
  };
  applyOptions(service, input);
  pinnedHostPorts(service); // validates the tag
  const deployment = newDeployment(service, td.arn, '');
  deployment.rolloutStateReason = `ECS deployment ${deployment.id} in progress.`;
  store.services.set(store.serviceKey(cluster, name), service);
  return { service: serviceBody(store, service, true) };
}

export function updateService(store: EcsStore, input: Json): Json {
  const cluster = store.requireCluster(input.cluster);
  const service = store.requireActiveService(cluster, input.service);
  // Everything is checked before anything changes: a rejected update leaves the service as it was.
  const config = input.deploymentConfiguration
    ? deploymentConfiguration(input.deploymentConfiguration, service.deploymentConfiguration)
    : service.deploymentConfiguration;
  if (input.desiredCount !== undefined && (!Number.isInteger(input.desiredCount) || input.desiredCount < 0)) {
    throw invalidParameter('desiredCount must be >= 0.');
  }
  const td = store.requireTaskDefinition(input.taskDefinition ?? service.taskDefinition);
  if (input.taskDefinition !== undefined && td.status !== 'ACTIVE') throw clientError('TaskDefinition is inactive');
  checkNetwork(td.body.networkMode, input.networkConfiguration ?? service.networkConfiguration);
  checkLoadBalancers(store, input.loadBalancers ?? service.loadBalancers, td.body);
  const updated = { ...service };
  applyOptions(updated, input);
  Object.assign(service, updated, { deploymentConfiguration: config });
  if (input.desiredCount !== undefined) {
    service.desiredCount = input.desiredCount;
    service.deployments[0]!.desiredCount = input.desiredCount;
  }
  if (td.arn !== service.taskDefinition || input.forceNewDeployment) {
    const deployment = newDeployment(service, td.arn, '');
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
    deployments: service.deployments.map((d) => deploymentBody(d)),
    events: service.events.map((e) => ({ ...e, createdAt: seconds(e.createdAt) })),
    createdAt: seconds(service.createdAt),
    placementConstraints: [],
    placementStrategy: [],
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: 'ECS' },
    createdBy: `arn:aws:iam::${store.options.accountId}:user/emulator`,
    enableECSManagedTags: service.enableECSManagedTags,
    propagateTags: service.propagateTags,
    enableExecuteCommand: service.enableExecuteCommand,
    networkConfiguration: service.networkConfiguration,
    platformVersion: service.platformVersion,
    platformFamily: service.platformVersion ? 'Linux' : undefined,
    healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
  };
  if (includeTags) body.tags = service.tags;
  return body;
}

function deploymentBody(d: Deployment): Json {
  const { settled: _internal, createdAt, updatedAt, ...shown } = d;
  return {
    ...shown,
    createdAt: seconds(createdAt),
    updatedAt: seconds(updatedAt),
    platformFamily: d.platformVersion ? 'Linux' : undefined,
  };
}
