/**
 * Tags and OCI labels derived from the triggering event. Pure: the caller reads the environment
 * and the event payload file, this module decides.
 */
import { sanitizeTag } from './reference.js';

export interface EventContext {
  eventName: string;
  /** GITHUB_REF: refs/heads/<branch>, refs/tags/<tag>, refs/pull/<n>/merge. */
  ref: string;
  /** GITHUB_SHA: for pull requests the merge commit, which is never tagged. */
  sha: string;
  /** The parsed GITHUB_EVENT_PATH payload ({} when absent). */
  payload: Record<string, unknown>;
  serverUrl?: string;
  repository?: string;
}

export interface TagOptions {
  /** The repository's default branch (input, else payload.repository.default_branch, else main). */
  defaultBranch?: string;
  /** `auto`: on pushes to the default branch; `true`/`false` force it. */
  latest?: 'auto' | 'true' | 'false';
  custom?: string[];
  /** Put before every tag (a monorepo's per-service prefix: `backend-`). */
  prefix?: string;
  shortShaLength?: number;
}

export interface DerivedTags {
  /** Tags without the repository, in a stable order, unique. */
  tags: string[];
  /** The commit the image is built from (the PR head for pull requests). */
  revision: string;
  /** The image's version: the semver, the branch, pr-<n> or the short sha. */
  version: string;
  /** Why each tag is there, for the log. */
  reasons: Record<string, string>;
}

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/;

export interface Semver {
  major: string;
  minor: string;
  patch: string;
  prerelease?: string;
}

export function parseSemver(text: string): Semver | undefined {
  const match = SEMVER.exec(text);
  if (!match) return undefined;
  return { major: match[1]!, minor: match[2]!, patch: match[3]!, prerelease: match[4] };
}

const get = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined),
    value,
  );

/** The commit an event builds: the pull request head, never the merge commit GitHub tests. */
export function revisionOf(context: EventContext): string {
  if (context.eventName.startsWith('pull_request')) {
    const head = get(context.payload, 'pull_request', 'head', 'sha');
    if (typeof head === 'string' && head) return head;
  }
  return context.sha;
}

export function pullRequestNumber(context: EventContext): number | undefined {
  const number = get(context.payload, 'pull_request', 'number') ?? get(context.payload, 'number');
  if (typeof number === 'number') return number;
  const match = /^refs\/pull\/(\d+)\//.exec(context.ref);
  return match ? Number(match[1]) : undefined;
}

export function defaultBranchOf(context: EventContext, given?: string): string {
  if (given) return given;
  const fromPayload = get(context.payload, 'repository', 'default_branch');
  return typeof fromPayload === 'string' && fromPayload ? fromPayload : 'main';
}

export function deriveTags(context: EventContext, options: TagOptions = {}): DerivedTags {
  const revision = revisionOf(context);
  const short = revision.slice(0, options.shortShaLength ?? 7);
  const prefix = options.prefix ?? '';
  const ordered: [string, string][] = [];
  const add = (tag: string, reason: string) => ordered.push([tag, reason]);
  let version: string | undefined;

  const isPullRequest = context.eventName.startsWith('pull_request');
  const pr = isPullRequest ? pullRequestNumber(context) : undefined;
  if (isPullRequest) {
    if (pr !== undefined) {
      add(`pr-${pr}`, 'pull request');
      version = `pr-${pr}`;
    }
  } else if (context.ref.startsWith('refs/tags/')) {
    const name = context.ref.slice('refs/tags/'.length);
    const semver = parseSemver(name);
    if (semver) {
      const full = `${semver.major}.${semver.minor}.${semver.patch}${semver.prerelease ? `-${semver.prerelease}` : ''}`;
      add(full, `git tag ${name}`);
      version = full;
      if (!semver.prerelease) {
        add(`${semver.major}.${semver.minor}`, `git tag ${name} (minor)`);
        if (semver.major !== '0') add(semver.major, `git tag ${name} (major)`);
      }
    } else {
      const tag = sanitizeTag(name);
      if (tag) {
        add(tag, `git tag ${name}`);
        version = tag;
      }
    }
  } else if (context.ref.startsWith('refs/heads/')) {
    const branch = context.ref.slice('refs/heads/'.length);
    const tag = sanitizeTag(branch);
    if (tag) {
      add(tag, `branch ${branch}`);
      version = tag;
    }
    const latest = options.latest ?? 'auto';
    if (latest === 'auto' && branch === defaultBranchOf(context, options.defaultBranch)) {
      add('latest', `push to the default branch ${branch}`);
    }
  }
  if (options.latest === 'true') add('latest', 'latest: true');
  if (revision) {
    add(revision, 'commit');
    add(`sha-${short}`, 'commit (short)');
  }
  for (const tag of options.custom ?? []) add(tag, 'custom tag');

  const tags: string[] = [];
  const reasons: Record<string, string> = {};
  for (const [tag, reason] of ordered) {
    if (options.latest === 'false' && tag === 'latest' && reason !== 'custom tag') continue;
    const full = sanitizeTag(`${prefix}${tag}`);
    if (!full || full in reasons) continue;
    tags.push(full);
    reasons[full] = reason;
  }
  return { tags, revision, version: version ?? (short ? `sha-${short}` : 'unknown'), reasons };
}

export interface LabelOptions {
  title: string;
  created: Date;
  extra?: Record<string, string>;
}

/** The OCI annotation labels of an image (user labels win). */
export function ociLabels(context: EventContext, derived: DerivedTags, options: LabelOptions): Record<string, string> {
  const labels: Record<string, string> = {};
  if (context.serverUrl && context.repository) {
    labels['org.opencontainers.image.source'] = `${context.serverUrl}/${context.repository}`;
  }
  if (derived.revision) labels['org.opencontainers.image.revision'] = derived.revision;
  labels['org.opencontainers.image.created'] = options.created.toISOString();
  labels['org.opencontainers.image.version'] = derived.version;
  labels['org.opencontainers.image.title'] = options.title;
  return { ...labels, ...options.extra };
}
