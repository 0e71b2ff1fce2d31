/**
 * RunTask: one-off tasks of a task definition, outside any service (a migration, a backfill).
 * Each task runs as service tasks do (runtime.ts: real containers, secrets, awslogs) and goes to
 * STOPPED with its containers' real exit codes; a task whose essential container exits is
 * `Essential container in task exited` whatever the code, as ECS reports it (ECS API reference,
 * RunTask and Task; `count` 1-10; `overrides.containerOverrides` by container name).
 */
import { randomBytes } from 'node:crypto';
import { invalidParameter } from '../errors.js';
import { newEni, type TaskRuntime } from './runtime.js';
import { checkNetwork } from './services.js';
import type { EcsStore } from './store.js';
import { taskBody } from './tasks.js';
import type { Json, Task, TaskDefinition } from './types.js';

const LAUNCH_TYPES = ['FARGATE', 'EC2', 'EXTERNAL', 'MANAGED_INSTANCES'];

export function runTask(store: EcsStore, runtime: TaskRuntime, input: Json): Json {
  const cluster = store.requireCluster(input.cluster);
  const td = store.requireTaskDefinition(input.taskDefinition);
  if (td.status !== 'ACTIVE') throw invalidParameter('TaskDefinition is inactive');
  const count = input.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 10) throw invalidParameter('count must be between 1 and 10.');
  if (input.launchType && input.capacityProviderStrategy?.length)
    throw invalidParameter('Specifying both a launchType and capacityProviderStrategy is not supported.');
  const launchType = input.capacityProviderStrategy?.length ? undefined : (input.launchType ?? 'FARGATE');
  if (launchType && !LAUNCH_TYPES.includes(launchType)) throw invalidParameter(`launchType: unknown ${launchType}`);
  const compatibilities: string[] | undefined = td.body.requiresCompatibilities;
  if (launchType && compatibilities?.length && !compatibilities.includes(launchType))
    throw invalidParameter(`Task definition does not support launch_type ${launchType}.`);
  checkNetwork(td.body.networkMode, input.networkConfiguration);
  if (input.startedBy !== undefined && String(input.startedBy).length > 128)
    throw invalidParameter('startedBy: up to 128 characters; expected a shorter tag');
  const effective = withOverrides(td, input.overrides);
  const tasks: Task[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomBytes(16).toString('hex');
    const task: Task = {
      arn: store.arn('task', `${cluster}/${id}`),
      id,
      cluster,
      taskDefinitionArn: td.arn,
      startedBy: input.startedBy,
      group: input.group ?? `family:${td.family}`,
      launchType,
      capacityProviderName: launchType ? undefined : placedBy(input.capacityProviderStrategy),
      overrides: input.overrides ?? {},
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      launching: true,
      createdAt: Date.now(),
      version: 1,
      cpu: input.overrides?.cpu ?? td.body.cpu,
      memory: input.overrides?.memory ?? td.body.memory,
      containers: (effective.body.containerDefinitions as Json[]).map((c) => ({
        name: c.name,
        image: c.image,
        essential: c.essential !== false,
        hasHealthCheck: Array.isArray(c.healthCheck?.command) && c.healthCheck.command.length > 0,
        lastStatus: 'PENDING',
        healthStatus: 'UNKNOWN',
        // One-off tasks get no allotted host port: their port mappings stay as declared.
        networkBindings: (c.portMappings ?? []).map((p: Json) => ({
          bindIP: '0.0.0.0',
          containerPort: p.containerPort,
          hostPort: p.hostPort ?? p.containerPort,
          protocol: p.protocol ?? 'tcp',
        })),
      })),
    };
    if (td.body.networkMode === 'awsvpc') task.eni = newEni(input.networkConfiguration);
    runtime.start(task, effective, undefined);
    tasks.push(task);
  }
  return { tasks: tasks.map((t) => taskBody(store, t)), failures: [] };
}

/**
 * The provider a strategy places a (single) task with: the one with a `base`, else the highest
 * weight (ECS developer guide, "Capacity provider strategies").
 */
function placedBy(strategy: Json[]): string {
  const withBase = strategy.find((s) => (s.base ?? 0) > 0);
  return String((withBase ?? [...strategy].sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0))[0])?.capacityProvider);
}

/**
 * The task definition with `containerOverrides` applied: `command` replaces, `environment`
 * entries replace or add by name, as do cpu/memory (ECS API reference, ContainerOverride).
 */
function withOverrides(td: TaskDefinition, overrides: Json | undefined): TaskDefinition {
  const defs = td.body.containerDefinitions as Json[];
  const byName = new Map<string, Json>();
  for (const o of overrides?.containerOverrides ?? []) {
    if (!defs.some((d) => d.name === o.name))
      throw invalidParameter(`Override for container named ${o.name} is not a container in the TaskDefinition.`);
    byName.set(o.name, o);
  }
  const containerDefinitions = defs.map((def) => {
    const o = byName.get(def.name);
    if (!o) return def;
    const environment = new Map<string, string>();
    for (const e of [...(def.environment ?? []), ...(o.environment ?? [])]) environment.set(e.name, e.value ?? '');
    return {
      ...def,
      command: o.command ?? def.command,
      environment: [...environment].map(([name, value]) => ({ name, value })),
      cpu: o.cpu ?? def.cpu,
      memory: o.memory ?? def.memory,
    };
  });
  return { ...td, body: { ...td.body, containerDefinitions } };
}
