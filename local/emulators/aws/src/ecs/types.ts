/**
 * The ECS emulator's state, as the store keeps it: task definitions, clusters, services with their
 * deployments and events, and tasks with their containers. Times are epoch milliseconds here and
 * become epoch seconds (what the SDK reads as dates) only in response shapes.
 */

// biome-ignore lint/suspicious/noExplicitAny: wire-format documents are open-ended JSON
export type Json = Record<string, any>;

export interface Tag {
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
  /** `loadBalancers` of CreateService/UpdateService as ECS checks them: ECS's message for the first problem. */
  checkLoadBalancers?: (loadBalancers: Json[], containerDefinitions: Json[]) => string | undefined;
}

export interface TaskDefinition {
  arn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE';
  body: Json;
  tags: Tag[];
}

export interface Cluster {
  arn: string;
  name: string;
  tags: Tag[];
  createdAt: number;
}

export interface Deployment {
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
  networkConfiguration?: Json;
  platformVersion?: string;
  /**
   * Internal: a task of this deployment was healthy, so (with `resetOnHealthyTask`, the default)
   * its failedTasks went back to 0 and the circuit breaker stopped evaluating it.
   */
  settled?: boolean;
}

export interface ServiceEvent {
  id: string;
  createdAt: number;
  message: string;
}

export interface Service {
  arn: string;
  name: string;
  cluster: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  taskDefinition: string;
  desiredCount: number;
  launchType: string;
  deploymentConfiguration: Json;
  /** `loadBalancers[]` as given (targetGroupArn, containerName, containerPort). */
  loadBalancers?: Json[];
  /** CreateService/UpdateService options, stored and returned as given. */
  networkConfiguration?: Json;
  platformVersion?: string;
  propagateTags: string;
  enableExecuteCommand: boolean;
  enableECSManagedTags: boolean;
  healthCheckGracePeriodSeconds?: number;
  deployments: Deployment[];
  events: ServiceEvent[];
  tags: Tag[];
  createdAt: number;
  /** The last deployment that reached COMPLETED: what the circuit breaker rolls back to. */
  lastCompleted?: Deployment;
  nextLaunchAt: number;
  consecutiveFailures: number;
  lastPlacementEventAt: number;
}

export interface Container {
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

export interface Task {
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
  /** awsvpc: the task's (emulated) elastic network interface. */
  eni?: { attachmentId: string; id: string; privateIp: string; mac: string; subnet: string };
  /** Registered in the service's target groups (see load-balancing.ts). */
  registered?: boolean;
  /** RunTask: its `group` (default `family:<family>`), launch type and `overrides` as given. */
  group?: string;
  launchType?: string;
  /** RunTask with a capacityProviderStrategy: the provider the task was placed with. */
  capacityProviderName?: string;
  overrides?: Json;
}

export const seconds = (ms: number) => ms / 1000;
