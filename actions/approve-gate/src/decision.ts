/**
 * The decision logic, free of I/O: which comments are commands that count, and whether the votes
 * of eligible approvers reach a decision. Eligibility (permission, team membership) is looked up
 * by the caller at decision time and passed in.
 */
export const PERMISSIONS = ['none', 'read', 'triage', 'write', 'maintain', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];
export const permissionLevel = (p: string): number => Math.max(0, PERMISSIONS.indexOf(p as Permission));

export interface IssueComment {
  id: number;
  login: string;
  body: string;
  createdAt: string;
  updatedAt: string;
  url?: string;
}

export type Kind = 'approve' | 'deny';
export interface Vote {
  kind: Kind;
  login: string;
  reason: string;
  time: string;
  commentId: number;
  url?: string;
}
export interface Ignored {
  login: string;
  commentId: number;
  url?: string;
  why: string;
}

/** `/approve [reason]` or `/deny [reason]` on the first non-empty line; the reason may go on. */
export function parseCommand(body: string): { kind: Kind; reason: string } | undefined {
  const text = body.replace(/\r\n/g, '\n').trim();
  const match = /^\/(approve|deny)(?=$|\s)([\s\S]*)$/i.exec(text);
  if (!match) return undefined;
  const reason = match[2]!.trim().replace(/\s+/g, ' ').slice(0, 500);
  return { kind: match[1]!.toLowerCase() as Kind, reason };
}

export interface CandidatePolicy {
  /** When the request was opened (the issue's created_at). */
  requestedAt: string;
  /** Logins (lower-case) whose approvals never count: the workflow actor and triggering actor. */
  excluded: string[];
  /** The login that opened the request (the token's identity): its comments are not votes. */
  requester?: string;
}

/** Commands that may count, in the order they were posted, and why the others do not. */
export function candidateVotes(
  comments: IssueComment[],
  policy: CandidatePolicy,
): { votes: Vote[]; ignored: Ignored[] } {
  const votes: Vote[] = [];
  const ignored: Ignored[] = [];
  const requested = Date.parse(policy.requestedAt);
  const sorted = [...comments].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id - b.id);
  for (const c of sorted) {
    const command = parseCommand(c.body);
    if (!command) continue;
    const login = c.login.toLowerCase();
    const skip = (why: string) => ignored.push({ login: c.login, commentId: c.id, url: c.url, why });
    if (policy.requester && login === policy.requester.toLowerCase()) continue;
    if (Date.parse(c.createdAt) < requested) skip('posted before the request');
    else if (c.updatedAt !== c.createdAt) skip('edited after posting (post a new comment instead)');
    else if (command.kind === 'approve' && policy.excluded.includes(login))
      skip('triggered this run and cannot approve it');
    else votes.push({ ...command, login: c.login, time: c.createdAt, commentId: c.id, url: c.url });
  }
  return { votes, ignored };
}

export interface Eligibility {
  eligible: boolean;
  /** Quorum groups (org/team, lower-case) the approver belongs to. */
  groups: string[];
  /** Why not, when not eligible. */
  why?: string;
}

export interface QuorumPolicy {
  minimum: number;
  /** org/team (lower-case) -> approvals needed from that team. */
  groupQuorum: Record<string, number>;
}

export type Decision = 'approved' | 'denied' | 'pending';
export interface Tally {
  decision: Decision;
  approvals: Vote[];
  denial?: Vote;
  ignored: Ignored[];
  /** What is still missing, for the log: `1 more approval`, `1 from org/security`. */
  missing: string[];
}

/**
 * Walks the votes in the order they were posted: an eligible deny ends it at once; approvals from
 * distinct eligible people count until the minimum and every group quorum are met. One person
 * fills at most one group seat (bipartite matching), so "one from sre and one from security" needs
 * two people even when someone is in both teams.
 */
export function tally(votes: Vote[], eligibility: Map<string, Eligibility>, policy: QuorumPolicy): Tally {
  const approvals: Vote[] = [];
  const ignored: Ignored[] = [];
  let missing = shortfall(approvals, eligibility, policy);
  for (const vote of votes) {
    const who = eligibility.get(vote.login.toLowerCase());
    if (!who?.eligible) {
      ignored.push({ login: vote.login, commentId: vote.commentId, url: vote.url, why: who?.why ?? 'not an approver' });
      continue;
    }
    if (vote.kind === 'deny') return { decision: 'denied', approvals, denial: vote, ignored, missing };
    if (approvals.some((a) => a.login.toLowerCase() === vote.login.toLowerCase())) continue;
    approvals.push(vote);
    missing = shortfall(approvals, eligibility, policy);
    if (missing.length === 0) return { decision: 'approved', approvals, ignored, missing };
  }
  return { decision: 'pending', approvals, ignored, missing };
}

function shortfall(approvals: Vote[], eligibility: Map<string, Eligibility>, policy: QuorumPolicy): string[] {
  const missing: string[] = [];
  if (approvals.length < policy.minimum) {
    const n = policy.minimum - approvals.length;
    missing.push(`${n} more approval${n === 1 ? '' : 's'}`);
  }
  const seats = Object.entries(policy.groupQuorum).flatMap(([group, n]) => Array.from({ length: n }, () => group));
  if (seats.length === 0) return missing;
  // Kuhn's augmenting paths: seat index -> approver index.
  const seatOwner = new Array<number>(seats.length).fill(-1);
  const groupsOf = approvals.map((a) => eligibility.get(a.login.toLowerCase())?.groups ?? []);
  const assign = (person: number, seen: Set<number>): boolean => {
    for (let s = 0; s < seats.length; s++) {
      if (seen.has(s) || !groupsOf[person]!.includes(seats[s]!)) continue;
      seen.add(s);
      if (seatOwner[s] === -1 || assign(seatOwner[s]!, seen)) {
        seatOwner[s] = person;
        return true;
      }
    }
    return false;
  };
  for (let person = 0; person < approvals.length; person++) assign(person, new Set());
  const open: Record<string, number> = {};
  seats.forEach((group, s) => {
    if (seatOwner[s] === -1) open[group] = (open[group] ?? 0) + 1;
  });
  for (const [group, n] of Object.entries(open)) missing.push(`${n} from ${group}`);
  return missing;
}
