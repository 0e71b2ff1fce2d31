import { existsSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigurationError } from '../../../shared/errors.js';
import {
  boolean,
  choice,
  duration,
  type Field,
  integer,
  keyValues,
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

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const serviceSchema = z
  .object({
    name: z.string().regex(NAME, 'lower-case letters, digits, _ . - (at most 63)'),
    context: z.string().min(1).optional(),
    dockerfile: z.string().min(1).optional(),
    target: z.string().min(1).optional(),
    image: z.string().min(1).optional(),
    'build-args': z.union([z.record(z.string(), scalar), z.array(z.string())]).optional(),
    tags: z.array(scalar).optional(),
    'tag-prefix': z.string().optional(),
    platforms: z.array(z.string()).optional(),
  })
  .strict();
type ServiceSpec = z.infer<typeof serviceSchema>;
const servicesSchema = z.union([
  z.array(serviceSchema).min(1),
  // A mapping keyed by service name: { backend: { context: apps/backend } }
  z
    .record(z.string(), serviceSchema.omit({ name: true }).nullable())
    .transform((map) => Object.entries(map).map(([name, spec]) => ({ ...(spec ?? {}), name }))),
]);

const loginSchema = z.array(
  z.object({ registry: z.string().min(1), username: z.string().min(1), password: z.string().min(1) }).strict(),
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
  registry: string(),
  registryUsername: string(),
  registryPassword: secret(),
  logins: logins(),
  ecr: choice(['auto', 'true', 'false'] as const, { default: 'auto' }),
  awsRegion: string({ pattern: /^[a-z]{2}(-[a-z]+)+-\d+$/, expected: 'an AWS region like eu-west-1' }),
  ecrRegistryIds: list({ item: (v) => (/^\d{12}$/.test(v) ? undefined : 'is not a 12-digit account id') }),
  insecureRegistries: list(),
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
  const loginList: Login[] = [...(raw.logins ?? [])];
  if (raw.registryUsername && raw.registryPassword) {
    const hosts = raw.registry ? [raw.registry] : [...new Set(services.map((s) => s.repository.host))];
    for (const host of hosts)
      loginList.push({ registry: host, username: raw.registryUsername, password: raw.registryPassword });
  }
  if (problems.length) throw new ConfigurationError(problems);
  return { ...raw, services, logins: loginList };
}

const sanitizeName = (name: string): string => name.toLowerCase();

/** For `image: ghcr.io/org/app` alone: the service is named after the last path component. */
export function defaultName(image: string): string {
  return basename(image).replace(/[^a-z0-9_.-]/g, '-') || 'image';
}
