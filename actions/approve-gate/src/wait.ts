/** Waiting for a decision: poll (conditionally), re-check eligibility at decision time, decide. */
import type { Clock } from '../../../shared/clock.js';
import { errorMessage } from '../../../shared/errors.js';
import { info } from '../../../shared/log.js';
import {
  candidateVotes,
  type Eligibility,
  type Ignored,
  type Permission,
  permissionLevel,
  type QuorumPolicy,
  type Tally,
  tally,
  type Vote,
} from './decision.js';
import { FatalApiError, type GateApi, isRetryableApiError } from './github.js';

export interface EligibilityPolicy {
  users: string[];
  teams: string[];
  permission: Permission;
  anyoneWithPermission: boolean;
}

/** Looks up, now, whether each login may decide and which quorum groups it fills. */
export async function resolveEligibility(
  api: Pick<GateApi, 'permission' | 'isTeamMember'>,
  logins: string[],
  policy: EligibilityPolicy,
): Promise<Map<string, Eligibility>> {
  const result = new Map<string, Eligibility>();
  for (const login of new Set(logins.map((l) => l.toLowerCase()))) {
    const listed = policy.users.includes(login);
    const groups: string[] = [];
    for (const team of policy.teams) if (await api.isTeamMember(team, login)) groups.push(team);
    let permission: Permission | undefined;
    if (policy.permission !== 'none' || policy.anyoneWithPermission) permission = await api.permission(login);
    const hasPermission =
      policy.permission === 'none' || permissionLevel(permission!) >= permissionLevel(policy.permission);
    const approver = listed || groups.length > 0 || (policy.anyoneWithPermission && hasPermission);
    let why: string | undefined;
    if (!approver) {
      why = policy.teams.length
        ? `not an approver (not listed, not an active member of ${policy.teams.join(', ')})`
        : 'not an approver';
    } else if (!hasPermission) {
      why = `has ${permission} permission on the repository; approvers need ${policy.permission}`;
    }
    result.set(login, { eligible: approver && hasPermission, groups, why });
  }
  return result;
}

export type Outcome =
  | { decision: 'approved'; approvals: Vote[]; ignored: Ignored[] }
  | { decision: 'denied'; approvals: Vote[]; denial?: Vote; closedBy?: string; ignored: Ignored[] }
  | { decision: 'timed-out'; approvals: Vote[]; ignored: Ignored[]; missing: string[] };

export interface WaitOptions {
  api: GateApi;
  clock: Clock;
  intervalMs: number;
  /** Clock time when waiting ends. */
  deadline: number;
  requestedAt: string;
  requester?: string;
  excluded: string[];
  eligibility: EligibilityPolicy;
  quorum: QuorumPolicy;
  /** Called with each progress line (default: the safe log path, info). */
  log?: (line: string) => void;
}

export async function waitForDecision(options: WaitOptions): Promise<Outcome> {
  const { api, clock } = options;
  const log = options.log ?? ((line: string) => info(line));
  let last: Tally = { decision: 'pending', approvals: [], ignored: [], missing: [] };
  const reported = new Set<string>();
  let polls = 0;
  for (;;) {
    polls++;
    try {
      const { changed, comments } = await api.comments();
      if (changed || polls === 1) {
        const { votes, ignored } = candidateVotes(comments, {
          requestedAt: options.requestedAt,
          excluded: options.excluded,
          requester: options.requester,
        });
        // Eligibility is looked up now, at decision time, for everyone who voted.
        const eligibility = await resolveEligibility(
          api,
          votes.map((v) => v.login),
          options.eligibility,
        );
        last = tally(votes, eligibility, options.quorum);
        last.ignored.unshift(...ignored);
        for (const i of last.ignored) {
          const key = `${i.commentId}:${i.why}`;
          if (!reported.has(key)) log(`Ignored a command from @${i.login}: ${i.why}`);
          reported.add(key);
        }
        if (last.decision === 'approved')
          return { decision: 'approved', approvals: last.approvals, ignored: last.ignored };
        if (last.decision === 'denied') {
          return { decision: 'denied', approvals: last.approvals, denial: last.denial, ignored: last.ignored };
        }
        if (changed) {
          const have = last.approvals.map((a) => `@${a.login}`).join(', ') || 'none';
          log(`Approvals so far: ${have}; still needed: ${last.missing.join(', ')}`);
        }
      }
      const issue = await api.issueState();
      if (issue.state === 'closed') {
        return { decision: 'denied', approvals: last.approvals, closedBy: issue.closedBy, ignored: last.ignored };
      }
    } catch (error) {
      if (error instanceof FatalApiError || !isRetryableApiError(error)) throw error;
      log(`Polling failed after retries (${errorMessage(error)}); trying again at the next poll`);
    }
    const now = clock.now();
    if (now >= options.deadline) {
      return { decision: 'timed-out', approvals: last.approvals, ignored: last.ignored, missing: last.missing };
    }
    await clock.sleep(Math.min(options.intervalMs, options.deadline - now));
  }
}
