/**
 * Image references as Docker spells them (distribution/reference grammar): the registry host, the
 * repository path, and tags. Pure functions, so inputs can be checked before any docker command.
 */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST =
  /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export interface Repository {
  /** As the user wrote it, normalised: `localhost:5000/team/app`, `ghcr.io/org/app`, `library/nginx`. */
  name: string;
  /** Registry host as docker logs in to it: `localhost:5000`, `docker.io`. */
  host: string;
  /** Path inside the registry (`team/app`; Docker Hub single names get `library/`). */
  path: string;
}

export const DOCKER_HUB = 'docker.io';

/** Parses a repository reference (no tag, no digest); returns a problem text when it is not one. */
export function parseRepository(raw: string): Repository | string {
  const value = raw.trim();
  if (!value) return 'is empty';
  if (value.includes('@')) return 'must not carry a digest';
  const parts = value.split('/');
  const last = parts[parts.length - 1]!;
  if (last.includes(':')) return 'must not carry a tag (tags are derived; add custom ones with tags)';
  const first = parts[0]!;
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const host = hasHost ? first : DOCKER_HUB;
  if (hasHost && !HOST.test(host)) return `has an invalid registry host ${JSON.stringify(host)}`;
  const components = hasHost ? parts.slice(1) : parts;
  if (components.length === 0) return 'has no repository path';
  for (const component of components) {
    if (!COMPONENT.test(component)) {
      return `has an invalid path component ${JSON.stringify(component)} (lower-case letters, digits, and . _ - between them)`;
    }
  }
  let path = components.join('/');
  if (host === DOCKER_HUB && components.length === 1) path = `library/${path}`;
  if (value.length > 255) return 'is longer than 255 characters';
  return { name: value, host, path };
}

/** Problem text when `tag` is not a valid Docker tag, else undefined. */
export function tagProblem(tag: string): string | undefined {
  if (TAG.test(tag)) return undefined;
  if (tag.length > 128) return 'is longer than 128 characters';
  return 'is not a valid tag (letters, digits, _ . -, not starting with . or -, at most 128)';
}

/** Turns any text (a branch name) into a valid tag: other characters become `-`. */
export function sanitizeTag(text: string): string {
  const cleaned = text
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/-+$/, '');
  return cleaned.slice(0, 128);
}

/** The registry API base URL of a host: plain HTTP for loopback and listed insecure hosts. */
export function registryBaseUrl(host: string, insecure: string[] = []): string {
  if (host === DOCKER_HUB) return 'https://registry-1.docker.io';
  const bare = host.replace(/:\d+$/, '');
  const plain = insecure.includes(host) || bare === 'localhost' || /^127\./.test(bare) || bare === '[::1]';
  return `${plain ? 'http' : 'https'}://${host}`;
}

const PLATFORM_OS = ['linux', 'windows', 'darwin', 'freebsd'];
const PLATFORM_ARCH = ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64', 'mips64le', 'loong64'];
/** Problem text when `platform` is not `os/arch[/variant]`, else undefined. */
export function platformProblem(platform: string): string | undefined {
  const [os, arch, variant, ...rest] = platform.split('/');
  if (!os || !arch || rest.length) return 'is not os/arch[/variant]';
  if (!PLATFORM_OS.includes(os)) return `has an unknown os ${JSON.stringify(os)}`;
  if (!PLATFORM_ARCH.includes(arch)) return `has an unknown architecture ${JSON.stringify(arch)}`;
  if (variant !== undefined && !/^v\d+$/.test(variant)) return `has an invalid variant ${JSON.stringify(variant)}`;
  return undefined;
}

export const BUILD_ARG = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** ECR registry hosts: `<account>.dkr.ecr.<region>.amazonaws.com[.cn]`. */
export const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
