/**
 * Task definition operations: RegisterTaskDefinition (validated, ECS defaults filled in),
 * DescribeTaskDefinition, DeregisterTaskDefinition, ListTaskDefinitions, ListTaskDefinitionFamilies.
 */
import { clientError } from '../errors.js';
import { paginate } from './pagination.js';
import type { EcsStore } from './store.js';
import { type Json, seconds, type TaskDefinition } from './types.js';

const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;
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

export function registerTaskDefinition(store: EcsStore, input: Json): Json {
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
  const revisions = store.taskDefinitions.get(family) ?? [];
  const revision = (revisions.at(-1)?.revision ?? 0) + 1;
  const arn = store.arn('task-definition', `${family}:${revision}`);
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
    registeredBy: `arn:aws:iam::${store.options.accountId}:user/emulator`,
  };
  const td: TaskDefinition = { arn, family, revision, status: 'ACTIVE', body, tags: [...tags] };
  revisions.push(td);
  store.taskDefinitions.set(family, revisions);
  return { taskDefinition: body, tags: td.tags };
}

export function describeTaskDefinition(store: EcsStore, input: Json): Json {
  const td = store.requireTaskDefinition(input.taskDefinition);
  const body = td.status === 'INACTIVE' ? { ...td.body, status: 'INACTIVE' } : td.body;
  const result: Json = { taskDefinition: body };
  if ((input.include ?? []).includes('TAGS')) result.tags = td.tags;
  return result;
}

export function deregisterTaskDefinition(store: EcsStore, input: Json): Json {
  const reference = String(input.taskDefinition ?? '');
  if (!reference.includes(':')) throw clientError('Invalid revision number. Number: ');
  const td = store.requireTaskDefinition(reference);
  if (td.status === 'ACTIVE') {
    td.status = 'INACTIVE';
    td.body = { ...td.body, status: 'INACTIVE', deregisteredAt: seconds(Date.now()) };
  }
  return { taskDefinition: td.body };
}

export function listTaskDefinitions(store: EcsStore, input: Json): Json {
  const status = input.status ?? 'ACTIVE';
  const prefix = input.familyPrefix ?? '';
  let all = [...store.taskDefinitions.values()]
    .flat()
    .filter((t) => t.family.startsWith(prefix) && (status === 'ALL' || t.status === status))
    .sort((a, b) => a.family.localeCompare(b.family) || a.revision - b.revision)
    .map((t) => t.arn);
  if (input.sort === 'DESC') all = all.reverse();
  return paginate(all, input, 'taskDefinitionArns');
}

export function listTaskDefinitionFamilies(store: EcsStore, input: Json): Json {
  const prefix = input.familyPrefix ?? '';
  const families = [...store.taskDefinitions.entries()]
    .filter(([family, revisions]) => family.startsWith(prefix) && revisions.some((t) => t.status === 'ACTIVE'))
    .map(([family]) => family)
    .sort();
  return paginate(families, input, 'families');
}
