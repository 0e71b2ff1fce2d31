/**
 * AWS's published API models, used to hold the emulator to the real shapes: the botocore-style
 * `apis/<service>-<version>.min.json` of npm `aws-sdk` v2 (structures, member types, required
 * members) and, for what the v2 models do not carry or do not know yet (enum values, each
 * operation's error list, error members, members added after v2 went into maintenance), the type
 * declarations (`dist-types/`) bundled with the AWS SDK v3 clients.
 *
 * `checkInput` / `checkOutput` / `checkError` return problems as `path: what is wrong` strings
 * (empty when the document conforms). The emulator checks every request with `checkInput`
 * (src/model-check.ts); the conformance tests check every response with the other two. Query
 * protocol (XML) responses: aws-query-model.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// biome-ignore lint/suspicious/noExplicitAny: model documents and wire payloads are open-ended JSON
type Json = any;

/** The services the emulator speaks, keyed as the emulator names them. */
export const SERVICES = {
  ecs: { v2: 'ecs-2014-11-13', v3: '@aws-sdk/client-ecs' },
  ecr: { v2: 'ecr-2015-09-21', v3: '@aws-sdk/client-ecr' },
  secretsmanager: { v2: 'secretsmanager-2017-10-17', v3: '@aws-sdk/client-secrets-manager' },
  ssm: { v2: 'ssm-2014-11-06', v3: '@aws-sdk/client-ssm' },
  logs: { v2: 'logs-2014-03-28', v3: '@aws-sdk/client-cloudwatch-logs' },
  // Query protocol (form-encoded requests, XML responses): checkQueryOutput / checkQueryError.
  iam: { v2: 'iam-2010-05-08', v3: '@aws-sdk/client-iam' },
  sts: { v2: 'sts-2011-06-15', v3: '@aws-sdk/client-sts' },
  elbv2: { v2: 'elasticloadbalancingv2-2015-12-01', v3: '@aws-sdk/client-elastic-load-balancing-v2' },
} as const;
/** Every service with a model here. */
export type ModelName = keyof typeof SERVICES;
/** The AWS JSON 1.1 services (X-Amz-Target), whose requests the emulator checks with checkInput. */
export type ServiceName = 'ecs' | 'ecr' | 'secretsmanager' | 'ssm' | 'logs';

/**
 * Errors any operation of an AWS JSON service may answer besides its own list ("Common Errors" of
 * each service's API reference, e.g. https://docs.aws.amazon.com/AmazonECS/latest/APIReference/CommonErrors.html),
 * plus the protocol-level ones (`SerializationException`, `UnknownOperationException`).
 */
export const COMMON_ERRORS = new Set([
  'AccessDeniedException',
  'IncompleteSignature',
  'InternalFailure',
  'InvalidAction',
  'InvalidClientTokenId',
  'MissingAuthenticationTokenException',
  'NotAuthorized',
  'OptInRequired',
  'RequestExpired',
  'ServiceUnavailable',
  'ThrottlingException',
  'UnrecognizedClientException',
  'ValidationError',
  'ValidationException',
  'SerializationException',
  'UnknownOperationException',
]);

interface V3Member {
  type: string;
  optional: boolean;
}

interface V3Types {
  /** Interfaces (and error classes) by name: member -> declared type. */
  types: Map<string, Map<string, V3Member>>;
  enums: Map<string, Set<string>>;
  /** Operation -> [input type, output type, errors]. */
  operations: Map<string, { input: string; output: string; errors: string[] }>;
}

export interface ServiceModel {
  name: ModelName;
  operations: Record<string, { input?: Json; output?: Json }>;
  shapes: Record<string, Json>;
  v3: V3Types;
}

const require = createRequire(import.meta.url);
const cache = new Map<ModelName, ServiceModel>();

export function hasOperation(service: ModelName, operation: string): boolean {
  const model = loadModel(service);
  return Boolean(model.operations[operation] ?? model.v3.operations.get(operation));
}

export function loadModel(name: ModelName): ServiceModel {
  const cached = cache.get(name);
  if (cached) return cached;
  const { v2, v3 } = SERVICES[name];
  const doc = JSON.parse(readFileSync(require.resolve(`aws-sdk/apis/${v2}.min.json`), 'utf8'));
  const model: ServiceModel = { name, operations: doc.operations, shapes: doc.shapes, v3: loadV3(v3) };
  cache.set(name, model);
  return model;
}

/** Reads the v3 client's `.d.ts` files: interfaces, enum constants, `@throws` lists of commands. */
function loadV3(pkg: string): V3Types {
  const root = join(dirname(require.resolve(pkg)), '../dist-types');
  const types = new Map<string, Map<string, V3Member>>();
  const enums = new Map<string, Set<string>>();
  const operations = new Map<string, { input: string; output: string; errors: string[] }>();
  const models = join(root, 'models');
  for (const file of readdirSync(models).filter((f) => f.endsWith('.d.ts'))) {
    const text = readFileSync(join(models, file), 'utf8');
    const block = /^export (?:interface (\w+)|declare class (\w+) extends __BaseException) \{\n([\s\S]*?)^\}/gm;
    for (const m of text.matchAll(block)) {
      const members = new Map<string, V3Member>();
      for (const line of m[3]!.matchAll(/^ {4}(\w+)(\??): (.+?);$/gm)) {
        members.set(line[1]!, { type: line[3]!.replace(/ \| undefined$/, ''), optional: line[2] === '?' });
      }
      types.set((m[1] ?? m[2])!, members);
    }
    for (const m of text.matchAll(/^export declare const (\w+): \{\n([\s\S]*?)^\};/gm)) {
      enums.set(m[1]!, new Set([...m[2]!.matchAll(/: "([^"]*)";$/gm)].map((v) => v[1]!)));
    }
  }
  const commands = join(root, 'commands');
  for (const file of readdirSync(commands).filter((f) => f.endsWith('Command.d.ts'))) {
    const text = readFileSync(join(commands, file), 'utf8');
    const op = file.replace(/Command\.d\.ts$/, '');
    const input = /interface \w+CommandInput extends (\w+)/.exec(text)?.[1] ?? '';
    const output = /interface \w+CommandOutput extends (\w+),/.exec(text)?.[1] ?? '';
    const errors = [...text.matchAll(/@throws \{@link (\w+)\} \((?:client|server) fault\)/g)].map((e) => e[1]!);
    operations.set(op, { input, output, errors });
  }
  return { types, enums, operations };
}

export function checkInput(service: ServiceName, operation: string, input: Json): string[] {
  const model = loadModel(service);
  const op = model.operations[operation];
  const v3 = model.v3.operations.get(operation);
  // Operations newer than the v2 model: the v3 declarations alone.
  if (!op)
    return v3 ? walkV3(model, input ?? {}, v3.input, operation) : [`${operation}: not an operation of ${service}`];
  return walk(model, input ?? {}, op.input ?? { type: 'structure', members: {} }, v3?.input, operation);
}

export function checkOutput(service: ServiceName, operation: string, output: Json): string[] {
  const model = loadModel(service);
  const op = model.operations[operation];
  const v3 = model.v3.operations.get(operation);
  // Operations newer than the v2 model: the v3 declarations alone.
  if (!op) return v3 ? walkV3(model, output, v3.output, operation) : [`${operation}: not an operation of ${service}`];
  return walk(model, output, op.output ?? { type: 'structure', members: {} }, v3?.output, operation);
}

/**
 * An AWS JSON error: `__type` is in the operation's error list or a common error, and the body
 * carries the error shape's message member (`message`, or `Message` where the model says so).
 */
export function checkError(service: ServiceName, operation: string, status: number, body: Json): string[] {
  const model = loadModel(service);
  const problems: string[] = [];
  const type = String(body?.__type ?? '').replace(/^.*#/, '');
  const listed = model.v3.operations.get(operation)?.errors ?? [];
  if (!type) problems.push(`${operation} error: no __type`);
  else if (!listed.includes(type) && !COMMON_ERRORS.has(type)) {
    problems.push(
      `${operation} error: ${type} is not in the operation's errors (${listed.join(', ')}) nor a common error`,
    );
  }
  if (status < 400) problems.push(`${operation} error: HTTP ${status}`);
  const members = model.v3.types.get(type);
  if (members) {
    const messageKey = members.has('Message') ? 'Message' : 'message';
    for (const key of Object.keys(body)) {
      if (key !== '__type' && key !== messageKey && !members.has(key)) {
        problems.push(
          `${operation} error ${type}: unknown member ${key} (the model's message member is ${messageKey})`,
        );
      }
    }
  }
  return problems;
}

/** Validates `value` against a v2 shape (when the v2 model knows it) and the matching v3 type. */
function walk(model: ServiceModel, value: Json, shape: Json, v3type: string | undefined, path: string): string[] {
  const s = shape?.shape ? model.shapes[shape.shape] : shape;
  if (!s) return walkV3(model, value, v3type, path);
  const type: string = s.type ?? 'string';
  if (value === null) return [`${path}: null (AWS omits absent members)`];
  const problems: string[] = [];
  switch (type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object, got ${kind(value)}`];
      const v3members = v3type ? model.v3.types.get(v3type) : undefined;
      for (const [key, member] of Object.entries(value)) {
        const v2member = s.members?.[key];
        const v3member = v3members?.get(key)?.type;
        if (v2member) problems.push(...walk(model, member, v2member, v3member, `${path}.${key}`));
        else if (v3member) problems.push(...walkV3(model, member, v3member, `${path}.${key}`));
        else problems.push(`${path}.${key}: unknown member`);
      }
      for (const key of s.required ?? []) {
        if (value[key] === undefined) problems.push(`${path}.${key}: required member missing`);
      }
      return problems;
    }
    case 'list': {
      if (!Array.isArray(value)) return [`${path}: expected a list, got ${kind(value)}`];
      const item = v3type?.endsWith('[]') ? v3type.slice(0, -2) : undefined;
      return value.flatMap((v, i) => walk(model, v, s.member, item, `${path}[${i}]`));
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected a map, got ${kind(value)}`];
      const item = /^(?:Partial<)?Record<\w+, (.+?)>>?$/.exec(v3type ?? '')?.[1];
      for (const [k, v] of Object.entries(value)) problems.push(...walk(model, v, s.value, item, `${path}.${k}`));
      return problems;
    }
    default:
      return scalar(model, value, type, v3type, path);
  }
}

/** Members the v2 model does not know: checked against the v3 declarations alone. */
function walkV3(model: ServiceModel, value: Json, v3type: string | undefined, path: string): string[] {
  if (!v3type || v3type === '__DocumentType') return [];
  if (v3type.endsWith('[]')) {
    if (!Array.isArray(value)) return [`${path}: expected a list, got ${kind(value)}`];
    return value.flatMap((v, i) => walkV3(model, v, v3type.slice(0, -2), `${path}[${i}]`));
  }
  const record = /^(?:Partial<)?Record<\w+, (.+?)>>?$/.exec(v3type);
  if (record) {
    if (typeof value !== 'object' || value === null) return [`${path}: expected a map, got ${kind(value)}`];
    return Object.entries(value).flatMap(([k, v]) => walkV3(model, v, record[1], `${path}.${k}`));
  }
  const members = model.v3.types.get(v3type);
  if (members) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return [`${path}: expected an object, got ${kind(value)}`];
    }
    return Object.entries(value).flatMap(([k, v]) =>
      members.has(k) ? walkV3(model, v, members.get(k)!.type, `${path}.${k}`) : [`${path}.${k}: unknown member`],
    );
  }
  const scalarType = { string: 'string', number: 'double', boolean: 'boolean', Date: 'timestamp', Uint8Array: 'blob' }[
    v3type
  ];
  return scalar(model, value, scalarType ?? 'string', v3type, path);
}

export function scalar(
  model: ServiceModel,
  value: Json,
  type: string,
  v3type: string | undefined,
  path: string,
): string[] {
  switch (type) {
    case 'string': {
      if (typeof value !== 'string') return [`${path}: expected a string, got ${kind(value)}`];
      const allowed = v3type ? model.v3.enums.get(v3type) : undefined;
      if (allowed && !allowed.has(value))
        return [`${path}: ${JSON.stringify(value)} is not one of ${[...allowed].join(', ')}`];
      return [];
    }
    case 'integer':
    case 'long':
      return Number.isInteger(value) ? [] : [`${path}: expected an integer, got ${kind(value)}`];
    case 'double':
    case 'float':
      return typeof value === 'number' ? [] : [`${path}: expected a number, got ${kind(value)}`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected a boolean, got ${kind(value)}`];
    // AWS JSON protocols send timestamps as epoch seconds (a JSON number).
    case 'timestamp':
      return typeof value === 'number' ? [] : [`${path}: expected a timestamp (epoch seconds), got ${kind(value)}`];
    case 'blob':
      return typeof value === 'string' ? [] : [`${path}: expected base64 text, got ${kind(value)}`];
    default:
      return [];
  }
}

const kind = (value: Json) =>
  value === null ? 'null' : Array.isArray(value) ? 'a list' : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
