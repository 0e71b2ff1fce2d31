/**
 * Task definitions as documents: read from a file, overridden per container, linted for plaintext
 * secrets, normalised for comparison with a registered revision, and diffed. Pure logic, no I/O
 * except reading the file.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

// biome-ignore lint/suspicious/noExplicitAny: task definitions are open-ended JSON documents
export type Json = Record<string, any>;

/** Fields DescribeTaskDefinition returns that RegisterTaskDefinition does not take. */
export const OUTPUT_ONLY = [
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

const containerSchema = z.looseObject({
  name: z.string().min(1),
  image: z.string().min(1),
});
export const taskDefinitionSchema = z.looseObject({
  family: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'family must be 1-255 letters, digits, - or _'),
  containerDefinitions: z.array(containerSchema).min(1),
});

/** A task definition reference that names a registered revision rather than a file. */
export const isRevisionReference = (value: string): boolean =>
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]+:\d+$/.test(value) ||
  /^[A-Za-z0-9_-]+:\d+$/.test(value);

/** Reads a JSON or YAML task definition; throws a message naming what is wrong. */
export function readTaskDefinitionFile(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let document: unknown;
  try {
    document = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(
      `${path} is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'} (${String((error as Error).message).split('\n')[0]})`,
    );
  }
  // A saved `aws ecs describe-task-definition` answer is accepted as well.
  if (document && typeof document === 'object' && 'taskDefinition' in document) {
    document = (document as Json).taskDefinition;
  }
  const parsed = taskDefinitionSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${path}: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
  }
  return parsed.data as Json;
}

/** The registrable part of a described task definition (output-only fields dropped). */
export function registrable(described: Json, tags?: Json[]): Json {
  const result: Json = {};
  for (const [key, value] of Object.entries(described)) if (!OUTPUT_ONLY.includes(key)) result[key] = value;
  if (tags?.length) result.tags = tags;
  return result;
}

// ---------------------------------------------------------------- overrides

export const IMAGE_REFERENCE =
  /^(?:(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*(?::\d+)?)\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** `container.NAME` -> [container, NAME]; a bare `NAME` applies to every container. */
export function splitEnvironmentKey(key: string): [string | undefined, string] {
  const dot = key.indexOf('.');
  return dot > 0 ? [key.slice(0, dot), key.slice(dot + 1)] : [undefined, key];
}

/** Problems of overrides against the definition's containers (unknown container names). */
export function overrideProblems(
  td: Json,
  images: Record<string, string>,
  environment: Record<string, string>,
): string[] {
  const names = (td.containerDefinitions as Json[]).map((c) => c.name as string);
  const problems: string[] = [];
  const known = `one of the task definition's containers: ${names.join(', ')}`;
  for (const container of Object.keys(images)) {
    if (!names.includes(container))
      problems.push(`container-images: container "${container}" is not in the task definition; expected ${known}`);
  }
  for (const key of Object.keys(environment)) {
    const [container] = splitEnvironmentKey(key);
    if (container && !names.includes(container)) {
      problems.push(
        `environment: container "${container}" (in "${key}") is not in the task definition; expected ${known}`,
      );
    }
  }
  return problems;
}

/** A copy with images and environment variables replaced; everything else untouched. */
export function applyOverrides(td: Json, images: Record<string, string>, environment: Record<string, string>): Json {
  const copy: Json = structuredClone(td);
  for (const container of copy.containerDefinitions as Json[]) {
    if (images[container.name]) container.image = images[container.name];
    for (const [key, value] of Object.entries(environment)) {
      const [target, name] = splitEnvironmentKey(key);
      if (target && target !== container.name) continue;
      if (!Array.isArray(container.environment)) container.environment = [];
      const list: Json[] = container.environment;
      const existing = list.find((e) => e.name === name);
      if (existing) existing.value = value;
      else list.push({ name, value });
    }
  }
  return copy;
}

// ---------------------------------------------------------------- secret lint

const SECRET_NAME =
  /(pass(word|wd|phrase)?|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|client[_-]?key|credentials?|signing[_-]?key|auth[_-]?key|dsn)$|^(pass(word)?|secret|token)|_(password|secret|token)_/i;
const REFERENCE_NAME = /_(ARN|NAME|ID|PATH|FILE|REGION|TTL|TIMEOUT|EXPIRY|LENGTH|HEADER|URL|ENDPOINT|TYPE)$/i;
const SECRET_VALUES: [RegExp, string][] = [
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^@\s/]+@/i, 'a URL with a password'],
  [/\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\b(sk|rk)_live_[A-Za-z0-9]{10,}/, 'a Stripe key'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/, 'a JWT'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
];
const PLACEHOLDER = /^(|\$\{[^}]*\}|<[^>]*>|changeme|arn:aws[a-z-]*:(secretsmanager|ssm|kms):.*|true|false|\d+)$/i;

export interface SecretFinding {
  container: string;
  name: string;
  value: string;
  why: string;
}

/** Plaintext environment variables whose name or value looks like a secret. */
export function lintSecrets(td: Json, allow: string[]): SecretFinding[] {
  if (allow.includes('*')) return [];
  const findings: SecretFinding[] = [];
  for (const container of td.containerDefinitions as Json[]) {
    for (const { name, value } of (container.environment ?? []) as Json[]) {
      if (typeof name !== 'string' || allow.includes(name)) continue;
      const text = value === undefined || value === null ? '' : String(value);
      const valueHit = SECRET_VALUES.find(([pattern]) => pattern.test(text));
      if (valueHit) {
        findings.push({ container: container.name, name, value: text, why: `its value looks like ${valueHit[1]}` });
      } else if (SECRET_NAME.test(name) && !REFERENCE_NAME.test(name) && !PLACEHOLDER.test(text.trim())) {
        findings.push({ container: container.name, name, value: text, why: 'its name looks like a secret' });
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------- normalise, compare, diff

const isEmpty = (v: unknown) =>
  v === undefined ||
  v === null ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);

function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean).filter((v) => !isEmpty(v));
  if (value && typeof value === 'object') {
    const out: Json = {};
    for (const key of Object.keys(value).sort()) {
      const v = clean((value as Json)[key]);
      if (!isEmpty(v)) out[key] = v;
    }
    return out;
  }
  return value;
}

const byName = (a: Json, b: Json) => String(a.name).localeCompare(String(b.name));

/**
 * The definition as ECS would store it, for comparison: output-only fields and tags dropped, ECS
 * defaults removed (`cpu: 0`, `essential: true`, `protocol: tcp`, `hostPort` = `containerPort`),
 * task cpu/memory as strings, environment and secrets sorted, empty values dropped, keys sorted.
 */
export function normalise(td: Json): Json {
  const copy = registrable(structuredClone(td));
  delete copy.tags;
  for (const key of ['cpu', 'memory']) if (typeof copy[key] === 'number') copy[key] = String(copy[key]);
  copy.containerDefinitions = (copy.containerDefinitions ?? []).map((raw: Json) => {
    const c: Json = { ...raw };
    if (c.cpu === 0) delete c.cpu;
    if (c.essential === true) delete c.essential;
    if (Array.isArray(c.environment))
      c.environment = [...c.environment].map((e: Json) => ({ ...e, value: String(e.value ?? '') })).sort(byName);
    if (Array.isArray(c.secrets)) c.secrets = [...c.secrets].sort(byName);
    if (Array.isArray(c.portMappings)) {
      c.portMappings = c.portMappings.map((p: Json) => {
        const m = { ...p };
        if (m.protocol === 'tcp') delete m.protocol;
        if (m.hostPort === m.containerPort) delete m.hostPort;
        return m;
      });
    }
    return c;
  });
  return clean(copy) as Json;
}

export const sameDefinition = (a: Json, b: Json): boolean =>
  JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));

/** Flattens to `path -> value`; arrays of named items are keyed by name (`environment[LOG_LEVEL]`). */
export function flatten(value: unknown, path = '', out: Map<string, string> = new Map()): Map<string, string> {
  if (Array.isArray(value)) {
    const named = value.every((v) => v && typeof v === 'object' && typeof v.name === 'string');
    value.forEach((v, i) => {
      flatten(v, `${path}[${named ? (v as Json).name : i}]`, out);
    });
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) flatten(v, path ? `${path}.${key}` : key, out);
  } else {
    out.set(path, JSON.stringify(value));
  }
  return out;
}

export interface DiffLine {
  path: string;
  before?: string;
  after?: string;
}

/** Field-level differences between two normalised documents. */
export function diff(before: Json | undefined, after: Json): DiffLine[] {
  const a = flatten(before ? normalise(before) : {});
  const b = flatten(normalise(after));
  const lines: DiffLine[] = [];
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(path) !== b.get(path)) lines.push({ path, before: a.get(path), after: b.get(path) });
  }
  return lines.sort((x, y) => x.path.localeCompare(y.path));
}

export const formatDiffLine = (line: DiffLine): string =>
  line.before === undefined
    ? `+ ${line.path}: ${line.after}`
    : line.after === undefined
      ? `- ${line.path}: ${line.before}`
      : `~ ${line.path}: ${line.before} -> ${line.after}`;

// ---------------------------------------------------------------- revisions

export interface Revision {
  arn: string;
  family: string;
  revision: number;
}

export function parseRevisionArn(arn: string): Revision | undefined {
  const match = /task-definition\/([A-Za-z0-9_-]+):(\d+)$/.exec(arn);
  return match ? { arn, family: match[1]!, revision: Number(match[2]) } : undefined;
}

/**
 * Revisions of one family to deregister: all but the newest `keep`, never one that is protected
 * (in use by a deployment or a task, the new one, the rollback target).
 */
export function revisionsToDeregister(
  arns: string[],
  family: string,
  keep: number,
  protectedArns: Iterable<string>,
): string[] {
  const guard = new Set(protectedArns);
  return arns
    .map(parseRevisionArn)
    .filter((r): r is Revision => r !== undefined && r.family === family)
    .sort((a, b) => b.revision - a.revision)
    .slice(keep)
    .filter((r) => !guard.has(r.arn))
    .map((r) => r.arn);
}

/** The newest revision below the current one: the rollback target when none is named. */
export function previousRevision(arns: string[], current: string): string | undefined {
  const now = parseRevisionArn(current);
  if (!now) return undefined;
  return arns
    .map(parseRevisionArn)
    .filter((r): r is Revision => r !== undefined && r.family === now.family && r.revision < now.revision)
    .sort((a, b) => b.revision - a.revision)[0]?.arn;
}
