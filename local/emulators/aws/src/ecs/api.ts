/** The ECS API surface: one operation name in, the module that answers it. */
import { AwsError } from '../errors.js';
import {
  createCluster,
  describeClusters,
  listClusters,
  listTagsForResource,
  tagResource,
  untagResource,
} from './clusters.js';
import { runTask } from './run-task.js';
import type { TaskRuntime } from './runtime.js';
import { createService, deleteService, describeServices, listServices, updateService } from './services.js';
import type { EcsStore } from './store.js';
import {
  deregisterTaskDefinition,
  describeTaskDefinition,
  listTaskDefinitionFamilies,
  listTaskDefinitions,
  registerTaskDefinition,
} from './task-definitions.js';
import { describeTasks, listTasks, stopTask } from './tasks.js';
import type { Json } from './types.js';

type Operation = (store: EcsStore, runtime: TaskRuntime, input: Json) => Json;

const OPERATIONS: Record<string, Operation> = {
  RegisterTaskDefinition: (store, _, input) => registerTaskDefinition(store, input),
  DescribeTaskDefinition: (store, _, input) => describeTaskDefinition(store, input),
  DeregisterTaskDefinition: (store, _, input) => deregisterTaskDefinition(store, input),
  ListTaskDefinitions: (store, _, input) => listTaskDefinitions(store, input),
  ListTaskDefinitionFamilies: (store, _, input) => listTaskDefinitionFamilies(store, input),
  CreateCluster: (store, _, input) => createCluster(store, input),
  DescribeClusters: (store, _, input) => describeClusters(store, input),
  ListClusters: (store, _, input) => listClusters(store, input),
  CreateService: (store, _, input) => createService(store, input),
  UpdateService: (store, _, input) => updateService(store, input),
  DeleteService: (store, _, input) => deleteService(store, input),
  DescribeServices: (store, _, input) => describeServices(store, input),
  ListServices: (store, _, input) => listServices(store, input),
  ListTasks: (store, _, input) => listTasks(store, input),
  DescribeTasks: (store, _, input) => describeTasks(store, input),
  StopTask: (store, runtime, input) => stopTask(store, runtime, input),
  RunTask: (store, runtime, input) => runTask(store, runtime, input),
  TagResource: (store, _, input) => tagResource(store, input),
  UntagResource: (store, _, input) => untagResource(store, input),
  ListTagsForResource: (store, _, input) => listTagsForResource(store, input),
};

export function dispatch(store: EcsStore, runtime: TaskRuntime, operation: string, input: Json): Json {
  const answer = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
  if (!answer) {
    throw new AwsError('UnknownOperationException', `Operation ${operation} is not supported by the emulator`);
  }
  return answer(store, runtime, input);
}
