/**
 * `permissions:` as GitHub applies them to a job's GITHUB_TOKEN: the job's own, else its workflow's,
 * else what the caller grants (a called workflow) or the repository default; a called workflow can
 * only keep or lower its caller's grant, and asking for more fails the whole run before any job
 * starts (GitHub docs, "Controlling permissions for GITHUB_TOKEN" and "Reusing workflows": "The
 * GITHUB_TOKEN permissions passed from the caller workflow can be only downgraded").
 */
import type { Json } from './expressions.js';
import { at, evalToken, type JobDef, type WorkflowDef, WorkflowError } from './workflow.js';

export type Level = 'none' | 'read' | 'write';
export type Permissions = Record<string, Level>;

/** The scopes of `permissions:` (GitHub docs, "Workflow syntax: permissions"); metadata is always read. */
export const SCOPES = [
  'actions',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'id-token',
  'issues',
  'models',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
] as const;

const RANK: Record<Level, number> = { none: 0, read: 1, write: 2 };
const all = (level: Level): Permissions => Object.fromEntries(SCOPES.map((s) => [s, level]));

/**
 * The repository's default token permissions when no `permissions:` is given (GitHub docs,
 * "Permissions for the GITHUB_TOKEN" table): "restricted" is contents and packages read (the default
 * for new repositories and organisations), "permissive" is write on everything but id-token.
 */
export const DEFAULT_PERMISSIONS: Record<'restricted' | 'permissive', Permissions> = {
  restricted: { ...all('none'), contents: 'read', packages: 'read' },
  permissive: { ...all('write'), 'id-token': 'none', models: 'read' },
};

/** A `permissions:` value (`read-all`, `write-all`, `{}` or a mapping) as a full map; bad values are named. */
export function parsePermissions(value: Json, where: string): Permissions {
  if (value === 'read-all') return { ...all('read'), 'id-token': 'none' };
  if (value === 'write-all') return all('write');
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new WorkflowError(
      `${where}: permissions: ${JSON.stringify(value)} is not valid; expected read-all, write-all or a mapping of scopes`,
    );
  const result = all('none');
  for (const [scope, level] of Object.entries(value)) {
    if (!(SCOPES as readonly string[]).includes(scope))
      throw new WorkflowError(`${where}: permissions.${scope}: unknown scope; expected one of ${SCOPES.join(', ')}`);
    if (level !== 'read' && level !== 'write' && level !== 'none')
      throw new WorkflowError(
        `${where}: permissions.${scope}: ${JSON.stringify(level)} is not valid; expected read, write or none`,
      );
    // id-token and models have no read level that means anything else; GitHub accepts write/none/read.
    result[scope] = level;
  }
  return result;
}

const declared = (token: JobDef['permissions'], where: string): Permissions | undefined =>
  token ? parsePermissions(evalToken(token, {}) as Json, where) : undefined;

/** A job's token permissions: its own, else its workflow's, else what it inherits. */
export function jobPermissions(workflow: WorkflowDef, job: JobDef, inherited: Permissions): Permissions {
  return (
    declared(job.permissions, at(job.where)) ?? declared(workflow.permissions, workflow.display) ?? { ...inherited }
  );
}

/** The scopes of `requested` above `allowed`, or none. */
export function exceeding(requested: Permissions, allowed: Permissions): string[] {
  return Object.keys(requested).filter((s) => RANK[requested[s]!] > RANK[allowed[s] ?? 'none']);
}

/**
 * Checks every reusable-workflow call of a workflow, recursively, before the run: a nested job asking
 * for more than its calling job grants fails the run with GitHub's "The workflow is not valid" error.
 * The check is static: it holds even for a job whose `if:` would skip it.
 */
export function checkNestedPermissions(
  workflow: WorkflowDef,
  grant: Permissions,
  called: Map<string, WorkflowDef>,
): void {
  for (const job of workflow.jobs) {
    if (!job.uses) continue;
    const callerGrant = jobPermissions(workflow, job, grant);
    const callee = called.get(job.uses);
    if (!callee) continue;
    for (const nested of callee.jobs) {
      const requested = jobPermissions(callee, nested, callerGrant);
      const over = exceeding(requested, callerGrant);
      if (over.length)
        throw new WorkflowError(
          `The workflow is not valid. ${at(job.where)}: Error calling workflow '${job.uses}'. The nested job '${nested.id}' is requesting '${over.map((s) => `${s}: ${requested[s]}`).join(', ')}', but is only allowed '${over.map((s) => `${s}: ${callerGrant[s]}`).join(', ')}'.`,
        );
    }
    checkNestedPermissions(callee, callerGrant, called);
  }
}

/** The map the GitHub emulator mints a token for (scopes at none are left out). */
export function tokenScopes(permissions: Permissions): Record<string, Level> {
  return Object.fromEntries(Object.entries(permissions).filter(([, level]) => level !== 'none'));
}

/**
 * A job's GITHUB_TOKEN from the GitHub emulator, scoped to its permissions (`POST /_emulator/tokens`);
 * a connection error or a 5xx is retried, a 4xx (bad scope, unknown repository) is not.
 */
export async function mintJobToken(apiUrl: string, repository: string, permissions: Permissions): Promise<string> {
  const url = `${apiUrl.replace(/\/$/, '')}/_emulator/tokens`;
  let last = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ repository, permissions: tokenScopes(permissions) }),
      });
      const text = await response.text();
      if (response.ok) return (JSON.parse(text) as { token: string }).token;
      last = `HTTP ${response.status} ${text.slice(0, 300)}`;
      if (response.status < 500) break;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
  throw new Error(`GITHUB_TOKEN for ${repository}: the GitHub emulator (${url}) did not mint one: ${last}`);
}
