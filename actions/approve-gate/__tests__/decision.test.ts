import { fakeClock } from '../../../shared/clock.js';
import {
  candidateVotes,
  type Eligibility,
  type IssueComment,
  type Permission,
  parseCommand,
  tally,
} from '../src/decision.js';
import type { GateApi } from '../src/github.js';
import { resolveEligibility, waitForDecision } from '../src/wait.js';

const T0 = '2026-01-01T10:00:00Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString().replace('.000Z', 'Z');
let nextId = 1;
/** `login: body @ seconds after the request`, edited when `edited` is given. */
const c = (login: string, body: string, s = 1, edited?: number): IssueComment => ({
  id: nextId++,
  login,
  body,
  createdAt: at(s),
  updatedAt: at(edited ?? s),
});

test.each([
  ['/approve', { kind: 'approve', reason: '' }],
  ['/approve  looks  good\nsecond line', { kind: 'approve', reason: 'looks good second line' }],
  ['  /DENY broken', { kind: 'deny', reason: 'broken' }],
  ['/approved', undefined],
  ['please /approve', undefined],
  ['LGTM', undefined],
])('parseCommand(%j)', (body, expected) => {
  expect(parseCommand(body)).toEqual(expected);
});

const eligible = (groups: string[] = []): Eligibility => ({ eligible: true, groups });
const not = (why: string): Eligibility => ({ eligible: false, groups: [], why });

type Row = [
  string,
  IssueComment[],
  Record<string, Eligibility>,
  { minimum?: number; groups?: Record<string, number> },
  { decision: string; approvals?: string[]; denial?: string; ignored?: string[] },
];
const rows: Row[] = [
  [
    'one approval is enough',
    [c('alice', '/approve')],
    { alice: eligible() },
    {},
    { decision: 'approved', approvals: ['alice'] },
  ],
  [
    'two needed, the same person twice is one',
    [c('alice', '/approve'), c('alice', '/approve', 2)],
    { alice: eligible() },
    { minimum: 2 },
    { decision: 'pending', approvals: ['alice'] },
  ],
  [
    'an edited approval does not count',
    [c('alice', '/approve', 1, 5), c('bob', '/approve', 2)],
    { alice: eligible(), bob: eligible() },
    { minimum: 2 },
    { decision: 'pending', approvals: ['bob'], ignored: ['alice: edited after posting (post a new comment instead)'] },
  ],
  [
    'a command posted before the request does not count',
    [c('alice', '/approve', -5)],
    { alice: eligible() },
    {},
    { decision: 'pending', approvals: [], ignored: ['alice: posted before the request'] },
  ],
  [
    'the actor cannot approve, but can deny',
    [c('octocat', '/approve'), c('octocat', '/deny wrong build', 2)],
    { octocat: eligible() },
    {},
    { decision: 'denied', denial: 'octocat', ignored: ['octocat: triggered this run and cannot approve it'] },
  ],
  [
    'a deny from a non-approver is ignored',
    [c('eve', '/deny'), c('alice', '/approve', 2)],
    { eve: not('not an approver'), alice: eligible() },
    {},
    { decision: 'approved', approvals: ['alice'], ignored: ['eve: not an approver'] },
  ],
  [
    'order matters: quorum reached before a later deny',
    [c('alice', '/approve'), c('bob', '/deny', 2)],
    { alice: eligible(), bob: eligible() },
    {},
    { decision: 'approved', approvals: ['alice'] },
  ],
  [
    'deny ends it even with approvals pending',
    [c('alice', '/approve'), c('bob', '/deny no', 2), c('carol', '/approve', 3)],
    { alice: eligible(), bob: eligible(), carol: eligible() },
    { minimum: 2 },
    { decision: 'denied', approvals: ['alice'], denial: 'bob' },
  ],
  [
    'group seats: one person in both teams fills one seat',
    [c('alice', '/approve')],
    { alice: eligible(['org/sre', 'org/security']) },
    { groups: { 'org/sre': 1, 'org/security': 1 } },
    { decision: 'pending', approvals: ['alice'] },
  ],
  [
    'group seats: matching reassigns seats to fit everyone',
    [c('alice', '/approve'), c('carol', '/approve', 2)],
    { alice: eligible(['org/sre', 'org/security']), carol: eligible(['org/sre']) },
    { groups: { 'org/sre': 1, 'org/security': 1 } },
    { decision: 'approved', approvals: ['alice', 'carol'] },
  ],
  [
    'group seats: two from sre are not one from security',
    [c('carol', '/approve'), c('frank', '/approve', 2)],
    { carol: eligible(['org/sre']), frank: eligible(['org/sre']) },
    { groups: { 'org/sre': 1, 'org/security': 1 } },
    { decision: 'pending', approvals: ['carol', 'frank'] },
  ],
];

test.each(rows)('%s', (_, comments, who, policy, expected) => {
  const { votes, ignored } = candidateVotes(comments, {
    requestedAt: T0,
    excluded: ['octocat'],
    requester: 'gate[bot]',
  });
  const result = tally(votes, new Map(Object.entries(who)), {
    minimum: policy.minimum ?? 1,
    groupQuorum: policy.groups ?? {},
  });
  expect(result.decision).toBe(expected.decision);
  if (expected.approvals) expect(result.approvals.map((a) => a.login)).toEqual(expected.approvals);
  if (expected.denial) expect(result.denial?.login).toBe(expected.denial);
  if (expected.ignored)
    expect([...ignored, ...result.ignored].map((i) => `${i.login}: ${i.why}`)).toEqual(expected.ignored);
});

test('the requester’s own comments (instructions quoting /approve) are not votes', () => {
  expect(
    candidateVotes([c('gate[bot]', '/approve')], { requestedAt: T0, excluded: [], requester: 'gate[bot]' }).votes,
  ).toEqual([]);
});

/** A scripted API: comments appear at given clock times; permissions and teams from tables. */
function fakeApi(
  clock: { now(): number },
  script: { at: number; comment: IssueComment }[],
  permissions: Record<string, Permission>,
  teams: Record<string, string[]> = {},
) {
  let seen = 0;
  const api: GateApi = {
    counters: { requests: 0, notModified: 0, rateLimited: 0, retries: 0 },
    createIssue: async () => ({ number: 1, url: '', createdAt: T0, author: 'gate[bot]' }),
    comments: async () => {
      const visible = script.filter((s) => s.at <= clock.now()).map((s) => s.comment);
      const changed = visible.length !== seen;
      seen = visible.length;
      return { changed, comments: visible };
    },
    issueState: async () => ({ state: 'open' }),
    permission: async (login) => permissions[login] ?? 'none',
    isTeamMember: async (team, login) => (teams[team] ?? []).includes(login),
    checkTeam: async () => {},
    comment: async () => {},
    close: async () => {},
  };
  return api;
}

const waitWith = (
  api: GateApi,
  clock: ReturnType<typeof fakeClock>,
  extra: Partial<Parameters<typeof waitForDecision>[0]> = {},
) =>
  waitForDecision({
    api,
    clock,
    intervalMs: 15_000,
    deadline: 3_600_000,
    requestedAt: T0,
    requester: 'gate[bot]',
    excluded: ['octocat'],
    eligibility: { users: ['alice', 'bob'], teams: [], permission: 'write', anyoneWithPermission: false },
    quorum: { minimum: 1, groupQuorum: {} },
    log: () => {},
    ...extra,
  });

test('waiting: decides at the first poll after the approval, never sleeping for real', async () => {
  const clock = fakeClock(0);
  const api = fakeApi(clock, [{ at: 100_000, comment: c('alice', '/approve') }], { alice: 'write' });
  const outcome = await waitWith(api, clock);
  expect(outcome.decision).toBe('approved');
  expect(clock.now()).toBe(105_000); // polls at 0, 15 s, ... 105 s
});

test('waiting: times out exactly at the deadline with what is missing', async () => {
  const clock = fakeClock(0);
  const outcome = await waitWith(fakeApi(clock, [], {}), clock, { deadline: 50_000 });
  expect(outcome).toMatchObject({ decision: 'timed-out', missing: ['1 more approval'] });
  expect(clock.slept).toEqual([15_000, 15_000, 15_000, 5_000]);
});

test('waiting: a closed issue is a denial by whoever closed it', async () => {
  const clock = fakeClock(0);
  const api = { ...fakeApi(clock, [], {}), issueState: async () => ({ state: 'closed', closedBy: 'bob' }) };
  expect(await waitWith(api, clock)).toMatchObject({ decision: 'denied', closedBy: 'bob' });
});

test.each([
  ['listed with write', 'alice', { users: ['alice'], teams: [] }, { alice: 'write' }, {}, true, ''],
  ['listed with read', 'alice', { users: ['alice'], teams: [] }, { alice: 'read' }, {}, false, 'has read permission'],
  ['team member', 'carol', { users: [], teams: ['org/sre'] }, { carol: 'admin' }, { 'org/sre': ['carol'] }, true, ''],
  [
    'not a member',
    'dave',
    { users: [], teams: ['org/sre'] },
    { dave: 'admin' },
    {},
    false,
    'not an active member of org/sre',
  ],
  [
    'anyone with maintain',
    'zed',
    { users: [], teams: [], anyone: true, permission: 'maintain' },
    { zed: 'admin' },
    {},
    true,
    '',
  ],
  [
    'anyone with maintain, has write',
    'zed',
    { users: [], teams: [], anyone: true, permission: 'maintain' },
    { zed: 'write' },
    {},
    false,
    'not an approver',
  ],
] as const)('eligibility: %s', async (_, login, p, permissions, teams, eligible, why) => {
  const api = fakeApi(
    { now: () => 0 },
    [],
    permissions as Record<string, Permission>,
    teams as Record<string, string[]>,
  );
  const result = await resolveEligibility(api, [login], {
    users: [...p.users],
    teams: [...p.teams],
    permission: ('permission' in p ? p.permission : 'write') as Permission,
    anyoneWithPermission: 'anyone' in p,
  });
  expect(result.get(login)!.eligible).toBe(eligible);
  if (why) expect(result.get(login)!.why).toContain(why);
});
