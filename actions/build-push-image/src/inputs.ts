import { existsSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigurationError } from '../../../shared/errors.js';
import {
  awsRegion,
  boolean,
  choice,
  duration,
  type Field,
  host,
  hostProblem,
  integer,
  keyValues,
  lineSchema,
  list,
  parseInputs,
  type ReadInput,
  secret,
  string,
  yaml,
} from '../../../shared/inputs.js';
import { registerSecret } from '../../../shared/secrets.js';
import { BUILD_ARG, parseRepository, platformProblem, type Repository, tagProblem } from './reference.js';

const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/** Keys that a plain object would not keep as keys (and that no service should be called). */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const serviceName = z.string().superRefine((value, ctx) => {
  if (PROTOTYPE_KEYS.has(value)) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is reserved as a service name` });
  } else if (!NAME.test(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} is not a service name: lower-case letters, digits, _ . - (at most 63)`,
    });
  }
});
const line = lineSchema.pipe(z.string().min(1));
const scalar = z.union([lineSchema, z.number(), z.boolean()]).transform(String);
const serviceSchema = z
  .object({
    name: serviceName,
    context: line.optional(),
    dockerfile: line.optional(),
    target: line.pipe(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'is not a build stage name')).optional(),
    image: line.optional(),
    'build-args': z.union([z.record(z.string(), scalar), z.array(lineSchema)]).optional(),
    tags: z.array(scalar).optional(),
    'tag-prefix': lineSchema.optional(),
    platforms: z.array(lineSchema).optional(),
  })
  .strict();
type ServiceSpec = z.infer<typeof serviceSchema>;
/**
 * A list of services, or a mapping keyed by service name ({ backend: { context: apps/backend } })
 * turned into the list form first, own keys only, so every name (a `__proto__` key included,
 * which a zod record drops silently) is checked like a listed one.
 */
const servicesSchema = z.preprocess(
  (value) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.keys(value).map((name) => {
          const spec = (value as Record<string, unknown>)[name];
          return spec === null || spec === undefined ? { name } : typeof spec === 'object' ? { ...spec, name } : spec;
        })
      : value,
  z.array(serviceSchema).min(1),
);

const loginSchema = z.array(
  z
    .object({
      registry: z.string().refine((value) => hostProblem(value) === undefined, 'is not a host name like ghcr.io'),
      username: line,
      password: line,
    })
    .strict(),
);

/** key=value pairs whose values are secrets: masked as soon as they are read. */
function secretPairs(): Field<Record<string, string>> {
  const parse = keyValues({ keyPattern: /^[A-Za-z0-9_.-]+$/ });
  return (raw, name) => {
    registerSecret(raw);
    const pairs = parse(raw, name);
    for (const value of Object.values(pairs)) registerSecret(value);
    return pairs;
  };
}

/** Passwords inside the logins document are masked before the document is even parsed. */
function logins(): Field<z.infer<typeof loginSchema>> {
  const parse = yaml(loginSchema, { expected: 'a YAML list of {registry, username, password}' });
  return (raw, name) => {
    for (const match of raw.matchAll(/password["']?\s*:\s*["']?([^"'\n]+)/g)) registerSecret(match[1]!.trim());
    const parsed = parse(raw, name) ?? [];
    for (const login of parsed) registerSecret(login.password);
    return parsed;
  };
}

const itemProblem = (check: (v: string) => string | undefined) => (value: string) => check(value);

export const spec = {
  services: yaml(servicesSchema, {
    expected: 'a YAML list of services (name, context, dockerfile, target, image, build-args, tags, tag-prefix)',
  }),
  image: string(),
  name: string({ pattern: NAME, expected: 'lower-case letters, digits, _ . -' }),
  context: string({ default: '.' }),
  dockerfile: string(),
  target: string({ pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, expected: 'a build stage name' }),
  tags: list({ item: itemProblem(tagProblem), expected: 'valid Docker tags, comma- or newline-separated' }),
  tagPrefix: string({ expected: 'text put before every tag; {name} is the service name' }),
  latest: choice(['auto', 'true', 'false'] as const, { default: 'auto' }),
  defaultBranch: string(),
  buildArgs: keyValues({ keyPattern: BUILD_ARG }),
  labels: keyValues({ keyPattern: /^[A-Za-z0-9][A-Za-z0-9_.\-/]*$/ }),
  buildSecrets: secretPairs(),
  platforms: list({ item: itemProblem(platformProblem), expected: 'os/arch[/variant], e.g. linux/amd64,linux/arm64' }),
  builder: choice(['auto', 'buildx', 'classic'] as const, { default: 'auto' }),
  cache: choice(['none', 'registry', 'gha'] as const, { default: 'none' }),
  provenance: boolean({ default: false }),
  sbom: boolean({ default: false }),
  push: boolean({ default: true }),
  skipExisting: boolean({ default: true }),
  concurrency: integer({ default: 2, min: 1, max: 16 }),
  registry: host(),
  registryUsername: string(),
  registryPassword: secret(),
  logins: logins(),
  ecr: choice(['auto', 'true', 'false'] as const, { default: 'auto' }),
  awsRegion: awsRegion(),
  ecrRegistryIds: list({ item: (v) => (/^\d{12}$/.test(v) ? undefined : 'is not a 12-digit account id') }),
  insecureRegistries: list({ item: hostProblem, expected: 'registry host names like localhost:5000' }),
  retryAttempts: integer({ default: 5, min: 1, max: 20 }),
  retryBaseDelay: duration({ default: 1000, min: 0, max: 60_000 }),
};

export interface Service {
  name: string;
  context: string;
  dockerfile: string;
  target?: string;
  repository: Repository;
  buildArgs: Record<string, string>;
  customTags: string[];
  tagPrefix: string;
  platforms: string[];
}

export interface Login {
  registry: string;
  username: string;
  password: string;
  /** The input this login came from, named when the login fails (none: an ECR login). */
  input?: string;
}

export type Inputs = Omit<ReturnType<typeof parseInputs<typeof spec>>, 'services' | 'logins'> & {
  services: Service[];
  logins: Login[];
};

function buildArgPairs(raw: ServiceSpec['build-args'], where: string, problems: string[]): Record<string, string> {
  const pairs: Record<string, string> = {};
  const entries = Array.isArray(raw)
    ? raw.map((line) => {
        const at = line.indexOf('=');
        return at > 0 ? [line.slice(0, at).trim(), line.slice(at + 1)] : [line, undefined];
      })
    : Object.entries(raw ?? {});
  for (const [key, value] of entries) {
    if (value === undefined)
      problems.push(`services: ${where}: build arg ${JSON.stringify(key)} has no KEY=value form`);
    else if (!BUILD_ARG.test(key!))
      problems.push(
        `services: ${where}: build arg name ${JSON.stringify(key)} is not valid; expected letters, digits and _`,
      );
    else pairs[key!] = value;
  }
  return pairs;
}

/** Reads, checks and resolves every input; throws one ConfigurationError listing every problem. */
export function getInputs(read?: ReadInput, workspace = process.env.GITHUB_WORKSPACE || process.cwd()): Inputs {
  const raw = parseInputs(spec, read);
  const problems: string[] = [];
  const specs: ServiceSpec[] = raw.services ?? [];
  if (specs.length === 0) {
    if (!raw.image)
      problems.push('image: is required when services is not given; expected a repository like ghcr.io/org/app');
    else specs.push({ name: raw.name || defaultName(raw.image) });
  } else if (raw.name || raw.target) {
    problems.push('services: name and target are per service when services is given; expected them inside services');
  }
  const seen = new Set<string>();
  const services: Service[] = [];
  for (const entry of specs) {
    const name = sanitizeName(entry.name);
    const where = name;
    if (seen.has(name)) problems.push(`services: ${name}: the name is given twice; expected unique service names`);
    seen.add(name);
    const single = !raw.services;
    const contextPath = entry.context ?? raw.context;
    const context = isAbsolute(contextPath) ? contextPath : resolve(workspace, contextPath);
    const label = single ? 'context' : `services: ${where}: context`;
    if (!existsSync(context) || !statSync(context).isDirectory()) {
      problems.push(`${label}: ${JSON.stringify(contextPath)} is not a directory; expected the build context folder`);
    }
    const dockerfilePath =
      entry.dockerfile ?? (single && raw.dockerfile ? raw.dockerfile : join(contextPath, 'Dockerfile'));
    const dockerfile = isAbsolute(dockerfilePath) ? dockerfilePath : resolve(workspace, dockerfilePath);
    if (!existsSync(dockerfile) || !statSync(dockerfile).isFile()) {
      problems.push(
        `${single ? 'dockerfile' : `services: ${where}: dockerfile`}: ${JSON.stringify(dockerfilePath)} does not exist; expected a Dockerfile path relative to the workspace`,
      );
    }
    const imageText = entry.image ?? raw.image;
    let repository: Repository | undefined;
    if (!imageText)
      problems.push(`services: ${where}: image is missing; expected an image repository here or in the image input`);
    else {
      const parsed = parseRepository(imageText);
      if (typeof parsed === 'string')
        problems.push(
          `${single || !entry.image ? 'image' : `services: ${where}: image`}: ${JSON.stringify(imageText)} ${parsed}; expected a repository like ghcr.io/org/app`,
        );
      else repository = parsed;
    }
    const buildArgs = { ...raw.buildArgs, ...buildArgPairs(entry['build-args'], where, problems) };
    const customTags = [...raw.tags, ...(entry.tags ?? [])];
    for (const tag of entry.tags ?? []) {
      const problem = tagProblem(tag);
      if (problem)
        problems.push(`services: ${where}: tag ${JSON.stringify(tag)} ${problem}; expected valid Docker tags`);
    }
    const platforms = entry.platforms ?? raw.platforms;
    for (const platform of entry.platforms ?? []) {
      const problem = platformProblem(platform);
      if (problem)
        problems.push(
          `services: ${where}: platform ${JSON.stringify(platform)} ${problem}; expected os/arch[/variant]`,
        );
    }
    const tagPrefix = (entry['tag-prefix'] ?? raw.tagPrefix ?? '').replaceAll('{name}', name);
    if (tagPrefix && tagProblem(`${tagPrefix}x`)) {
      problems.push(
        `${entry['tag-prefix'] !== undefined ? `services: ${where}: tag-prefix` : 'tag-prefix'}: ${JSON.stringify(tagPrefix)} cannot start a tag; expected letters, digits, _ . -`,
      );
    }
    const target = single ? raw.target : entry.target;
    if (repository) {
      services.push({ name, context, dockerfile, target, repository, buildArgs, customTags, tagPrefix, platforms });
    }
  }
  // Two services in one repository need distinct tag prefixes, or their tags overwrite each other.
  const byRepository = new Map<string, Service[]>();
  for (const service of services) {
    const key = `${service.repository.host}/${service.repository.path}`;
    byRepository.set(key, [...(byRepository.get(key) ?? []), service]);
  }
  for (const [repository, group] of byRepository) {
    const prefixes = new Set(group.map((s) => s.tagPrefix));
    if (prefixes.size < group.length) {
      problems.push(
        `services: ${group.map((s) => s.name).join(', ')} share the repository ${repository} with the same tag prefix; expected a tag-prefix per service (e.g. tag-prefix: "{name}-")`,
      );
    }
  }
  if (raw.platforms.length > 1 && raw.builder === 'classic') {
    problems.push('platforms: several platforms need buildx; expected one platform with builder: classic');
  }
  if (Object.keys(raw.buildSecrets).length && raw.builder === 'classic') {
    problems.push(
      'build-secrets: the classic builder cannot mount secrets (and they must never be build args); expected builder: auto or buildx',
    );
  }
  if ((raw.registryUsername && !raw.registryPassword) || (!raw.registryUsername && raw.registryPassword)) {
    problems.push('registry-password: registry-username and registry-password go together; expected both or neither');
  }
  const loginList: Login[] = (raw.logins ?? []).map((login) => ({ ...login, input: 'logins' }));
  if (raw.registryUsername && raw.registryPassword) {
    const hosts = raw.registry ? [raw.registry] : [...new Set(services.map((s) => s.repository.host))];
    const input = raw.registry ? 'registry' : 'registry-username';
    for (const host of hosts)
      loginList.push({ registry: host, username: raw.registryUsername, password: raw.registryPassword, input });
  }
  if (problems.length) throw new ConfigurationError(problems);
  return { ...raw, services, logins: loginList };
}

const sanitizeName = (name: string): string => name.toLowerCase();

/** For `image: ghcr.io/org/app` alone: the service is named after the last path component. */
export function defaultName(image: string): string {
  return basename(image).replace(/[^a-z0-9_.-]/g, '-') || 'image';
}
