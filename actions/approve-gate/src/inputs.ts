import { ConfigurationError } from '../../../shared/errors.js';
import {
  boolean,
  choice,
  controlProblem,
  duration,
  type Field,
  fail,
  integer,
  keyValues,
  list,
  parseInputs,
  type ReadInput,
  secret,
  string,
} from '../../../shared/inputs.js';
import { PERMISSIONS, type Permission } from './decision.js';
import { templateProblem } from './request.js';

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\[bot\])?$/;
const TEAM = /^([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})\/([a-z0-9][a-z0-9_-]{0,99})$/;

/** `login` or `org/team-slug`; undefined when valid, else what is wrong. */
export function approverProblem(value: string): string | undefined {
  const name = value.replace(/^@/, '');
  if (name.includes('/')) {
    if (TEAM.test(name)) return undefined;
    return 'is not a valid team: use org/team-slug (the lower-case slug from the team URL)';
  }
  return LOGIN.test(name) ? undefined : 'is not a valid GitHub login';
}

/** Markdown shown in the issue: the only multi-line text inputs. */
const text = (maxLength = 60_000) => string({ maxLength, multiline: true });

/**
 * One side of a range: a commit SHA or a ref name as `git check-ref-format` allows it (no `..`, no
 * component starting with `.` or ending with `.lock`, none of space ~ ^ : ? * [ \\ or control
 * characters, no `@{`, not ending with `/` or `.`).
 */
function refProblem(ref: string): string | undefined {
  if (/^[0-9a-f]{4,64}$/i.test(ref)) return undefined;
  if (ref === '@' || /[\s~^:?*[\\]|\.\.|@\{|\/\/|^\/|[/.]$/.test(ref))
    return `has ${JSON.stringify(ref)}, which is not a commit SHA or ref name`;
  if (ref.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) {
    return `has ${JSON.stringify(ref)}, which is not a commit SHA or ref name`;
  }
  return undefined;
}

/** `base..head` or `base...head` as git reads a range; `a....b` is neither. */
export function commitRangeProblem(value: string): string | undefined {
  const match = /^(.+?)(\.\.\.?)(.+)$/.exec(value);
  if (!match) return 'has no .. or ...';
  return refProblem(match[1]!) ?? refProblem(match[3]!);
}

/** Optional, and kept as given: a JSON document (an object or array) or `service=image@digest` lines. */
const images = (): Field<Record<string, string>> => (raw, name) => {
  const value = raw.trim();
  if (!value) return {};
  if (value.startsWith('{') || value.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return fail(name, 'is not valid JSON', 'a JSON object {"service": "image@digest"} or service=image lines');
    }
    const result: Record<string, string> = {};
    const entries = Array.isArray(parsed)
      ? parsed.map((v, i) => [String(i + 1), v] as const)
      : Object.entries(parsed as object);
    for (const [key, v] of entries) {
      const ref =
        typeof v === 'string' ? v : ((v as { image?: unknown; ref?: unknown })?.image ?? (v as { ref?: unknown })?.ref);
      if (typeof ref !== 'string')
        fail(name, `entry ${JSON.stringify(key)} is not an image reference`, 'strings like registry/name@sha256:...');
      const problem = controlProblem(key) ?? controlProblem(ref);
      if (problem) fail(name, `entry ${JSON.stringify(key)} ${problem}`, 'one-line service names and image references');
      result[key] = ref;
    }
    return result;
  }
  return keyValues()(value, name);
};

export interface Inputs {
  token: string;
  approvers: { users: string[]; teams: string[] };
  minimumApprovals: number;
  groupQuorum: Record<string, number>;
  permission: Permission;
  anyoneWithPermission: boolean;
  allowSelfApproval: boolean;
  environment: string;
  title: string;
  body: string;
  commitRange: string;
  images: Record<string, string>;
  migrationPlan: string;
  lintFindings: string;
  smokeResults: string;
  labels: string[];
  timeoutMs: number;
  pollIntervalMs: number;
  failOnRejection: boolean;
  /** From the workflow context. */
  repository: { owner: string; repo: string };
  actors: string[];
}

export const DEFAULT_TITLE = 'Approve deployment of {{ short-sha }} to {{ environment }}';
export const DEFAULT_BODY = '{{ deployment }}\n\n{{ instructions }}';

export function getInputs(read?: ReadInput, env: NodeJS.ProcessEnv = process.env): Inputs {
  const raw = parseInputs(
    {
      token: secret({ required: true }),
      approvers: list({ item: approverProblem, expected: 'GitHub logins and org/team-slug entries' }),
      minimumApprovals: integer({ default: 1, min: 1, max: 100 }),
      groupQuorum: keyValues({ keyPattern: TEAM }),
      permission: choice(PERMISSIONS, { default: 'write' }),
      anyoneWithPermission: boolean({ default: false }),
      allowSelfApproval: boolean({ default: false }),
      environment: string({ default: 'production', maxLength: 255 }),
      title: string({ default: DEFAULT_TITLE, maxLength: 256 }),
      body: text(),
      commitRange: string({ check: commitRangeProblem, expected: 'base..head or base...head (commit SHAs or refs)' }),
      images: images(),
      migrationPlan: text(),
      lintFindings: text(),
      smokeResults: text(),
      labels: list({ default: ['deployment-approval'] }),
      // At most 5h50m: a job on a GitHub-hosted runner is cancelled at 6 hours (Usage limits), and a
      // wait past that would end as a cancelled job instead of a timed-out decision.
      timeout: duration({ default: 3_600_000, min: 1000, max: 350 * 60_000 }),
      pollInterval: duration({ default: 15_000, min: 100, max: 600_000 }),
      failOnRejection: boolean({ default: true }),
    },
    read,
  );

  const problems: string[] = [];
  const approvers = raw.approvers.map((a) => a.replace(/^@/, ''));
  const users = [...new Set(approvers.filter((a) => !a.includes('/')).map((a) => a.toLowerCase()))];
  const teams = [...new Set(approvers.filter((a) => a.includes('/')).map((a) => a.toLowerCase()))];
  const actors = [
    ...new Set([env.GITHUB_ACTOR, env.GITHUB_TRIGGERING_ACTOR].filter(Boolean).map((a) => a!.toLowerCase())),
  ];

  if (approvers.length === 0 && !raw.anyoneWithPermission) {
    problems.push('approvers: is empty; expected at least one login or org/team-slug, or anyone-with-permission: true');
  }
  if (raw.anyoneWithPermission && raw.permission === 'none') {
    problems.push(
      'permission: "none" with anyone-with-permission would let anyone approve; expected read, triage, write, maintain or admin',
    );
  }
  if (teams.length === 0 && !raw.anyoneWithPermission && users.length > 0) {
    const available = raw.allowSelfApproval ? users : users.filter((u) => !actors.includes(u));
    if (raw.minimumApprovals > available.length) {
      const excluded = users.filter((u) => !available.includes(u));
      const note = excluded.length ? ` (${excluded.join(', ')} triggered this run and cannot approve it)` : '';
      problems.push(
        `minimum-approvals: ${raw.minimumApprovals} is more than the ${available.length} approver(s) who can approve${note}; expected at most ${available.length}, or more approvers`,
      );
    }
  }
  const groupQuorum: Record<string, number> = {};
  for (const [team, value] of Object.entries(raw.groupQuorum)) {
    const key = team.toLowerCase();
    if (!teams.includes(key))
      problems.push(`group-quorum: ${team} is not one of the approvers; expected teams listed in approvers`);
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 100) {
      problems.push(`group-quorum: ${team}=${value} is not a count; expected a whole number from 1 to 100`);
    }
    groupQuorum[key] = Number(value);
  }
  if (raw.pollInterval >= raw.timeout) {
    problems.push('poll-interval: is not shorter than the timeout; expected an interval shorter than timeout');
  }
  for (const [name, template] of [
    ['title', raw.title],
    ['body', raw.body || DEFAULT_BODY],
  ] as const) {
    const problem = templateProblem(template);
    if (problem) problems.push(`${name}: ${problem}`);
  }
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) problems.push('GITHUB_REPOSITORY: is not set; expected owner/name (set by the runner)');
  if (problems.length) throw new ConfigurationError(problems);

  return {
    token: raw.token,
    approvers: { users, teams },
    minimumApprovals: raw.minimumApprovals,
    groupQuorum,
    permission: raw.permission,
    anyoneWithPermission: raw.anyoneWithPermission,
    allowSelfApproval: raw.allowSelfApproval,
    environment: raw.environment,
    title: raw.title,
    body: raw.body || DEFAULT_BODY,
    commitRange: raw.commitRange ?? '',
    images: raw.images,
    migrationPlan: raw.migrationPlan ?? '',
    lintFindings: raw.lintFindings ?? '',
    smokeResults: raw.smokeResults ?? '',
    labels: raw.labels,
    timeoutMs: raw.timeout,
    pollIntervalMs: raw.pollInterval,
    failOnRejection: raw.failOnRejection,
    repository: { owner: owner!, repo: repo! },
    actors,
  };
}
