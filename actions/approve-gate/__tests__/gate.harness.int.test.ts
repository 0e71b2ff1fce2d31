/**
 * The built bundle against the GitHub emulator, as the runner runs it. Approvers comment, edit and
 * lose permissions while the action waits; the emulator counts what the waiting costs.
 */
import { GitHubEmulator } from '../../../local/emulators/github/server.js';
import { type RunResult, runAction } from '../../../test/harness.js';

const REPO = 'org/example';
const BOT_TOKEN = 'ghs_installationToken0123456789abcdef';
const APP_TOKEN = 'ghp_teamReaderToken0123456789abcdef';
let emulator: GitHubEmulator;

beforeAll(async () => {
  emulator = new GitHubEmulator();
  await emulator.listen(0);
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  emulator.seed({
    users: [
      { login: 'github-actions[bot]', type: 'Bot', installation: true, tokens: [BOT_TOKEN] },
      { login: 'gate-app', tokens: [APP_TOKEN] },
      ...['octocat', 'alice', 'bob', 'carol', 'dave', 'eve', 'mallory'].map((login) => ({ login })),
    ],
    repos: [
      {
        owner: 'org',
        name: 'example',
        private: true,
        collaborators: {
          'github-actions[bot]': 'write',
          'gate-app': 'write',
          octocat: 'write',
          alice: 'write',
          bob: 'maintain',
          carol: 'write',
          dave: 'admin',
          mallory: 'read',
        },
      },
    ],
    teams: [
      { org: 'org', slug: 'sre', members: ['carol', 'alice'] },
      { org: 'org', slug: 'security', members: ['dave', 'alice'] },
    ],
  });
});

const commentPolls = () => emulator.log.filter((r) => r.method === 'GET' && /\/comments$/.test(r.path)).length;

/** Resolves once the action has polled the comments `n` more times. */
async function polls(n: number): Promise<void> {
  const target = commentPolls() + n;
  while (commentPolls() < target) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Runs the gate; `scenario(issue)` plays the approvers once the request is open.
 */
async function gate(
  inputs: Record<string, string>,
  scenario: (issue: number) => Promise<void> = async () => {},
  token = BOT_TOKEN,
): Promise<RunResult & { scenarioError?: unknown }> {
  let started: Promise<void> | undefined;
  let scenarioError: unknown;
  const result = await runAction('approve-gate', {
    inputs: { token, 'poll-interval': '200ms', timeout: '20s', ...inputs },
    env: { GITHUB_API_URL: emulator.url },
    secrets: [token],
    timeoutMs: 60_000,
    onLine: (line) => {
      const match = /Approval request: .*\/issues\/(\d+)/.exec(line);
      if (match && !started) {
        started = scenario(Number(match[1])).catch((error) => {
          scenarioError = error;
        });
      }
    },
  });
  await started;
  if (scenarioError) throw scenarioError;
  return result;
}

const say = (issue: number, login: string, body: string) => emulator.postComment(REPO, issue, login, body);
const approvers = (r: RunResult) =>
  (JSON.parse(r.outputs.approvers ?? '[]') as { login: string }[]).map((a) => a.login);

test('quorum: two distinct approvals open the gate; the issue shows the deployment and is closed with the decision', async () => {
  const r = await gate(
    {
      approvers: 'alice, bob, octocat',
      'minimum-approvals': '2',
      environment: 'production',
      'commit-range': 'a1b2c3d..e4f5a6b',
      images:
        '{"backend":"localhost:5000/app/backend@sha256:1111111111111111111111111111111111111111111111111111111111111111"}',
      'migration-plan': '2 pending migrations:\n- 20250101_add_orders\n- 20250102_index',
    },
    async (issue) => {
      await polls(1);
      say(issue, 'alice', '/approve looks good');
      say(issue, 'alice', '/approve again'); // the same person counts once
      await polls(2);
      say(issue, 'bob', '/APPROVE ship it');
    },
  );
  expect(r.exitCode).toBe(0);
  expect(r.outputs.decision).toBe('approved');
  expect(approvers(r)).toEqual(['alice', 'bob']);
  expect(JSON.parse(r.outputs.approvers!)[0]).toMatchObject({ login: 'alice', reason: 'looks good' });
  const issue = emulator.issue(REPO, 1);
  expect(issue.state).toBe('closed');
  expect(issue.state_reason).toBe('completed');
  expect(issue.assignees).toEqual(['alice', 'bob']); // not the actor
  expect(issue.body).toContain('compare/a1b2c3d...e4f5a6b');
  expect(issue.body).toContain('sha256:1111');
  expect(issue.body).toContain('20250101_add_orders');
  expect(issue.body).toContain('@alice, @bob, @octocat');
  expect(issue.body).toContain('https://github.com/org/example/actions/runs/1000');
  expect(issue.title).toBe('Approve deployment of 0123456 to production');
  const last = emulator.commentsOf(REPO, 1).pop()!;
  expect(last.body).toMatch(/Approved.*@alice \(looks good\), @bob \(ship it\)/);
  expect(r.outputs['issue-url']).toBe('https://github.com/org/example/issues/1');
  expect(r.summary).toContain('Approval gate: approved');
});

test('per-group quorum: one person fills one seat; sre and security each need their own approver', async () => {
  const r = await gate(
    { approvers: 'org/sre, org/security', 'group-quorum': 'org/sre=1\norg/security=1', 'minimum-approvals': '1' },
    async (issue) => {
      await polls(1);
      say(issue, 'alice', '/approve in both teams'); // alone, she fills one seat only
      await polls(3);
      say(issue, 'carol', '/approve sre ok');
    },
    APP_TOKEN,
  );
  expect(r.outputs.decision).toBe('approved');
  expect(approvers(r)).toEqual(['alice', 'carol']);
  expect(r.log).toContain('still needed: 1 from org/');
});

test('self-approval is refused; an approval from an actor is ignored', async () => {
  const r = await gate({ approvers: 'octocat, bob' }, async (issue) => {
    await polls(1);
    say(issue, 'octocat', '/approve my own change');
    await polls(2);
    say(issue, 'bob', '/approve');
  });
  expect(r.outputs.decision).toBe('approved');
  expect(approvers(r)).toEqual(['bob']);
  expect(r.log).toContain('Ignored a command from @octocat: triggered this run and cannot approve it');
});

test('an edited approval is ignored', async () => {
  const r = await gate({ approvers: 'alice, bob' }, async (issue) => {
    await polls(1);
    const c = say(issue, 'alice', 'I will look');
    emulator.editComment(c.id, '/approve'); // edited into an approval: does not count
    await polls(2);
    say(issue, 'bob', '/approve');
  });
  expect(approvers(r)).toEqual(['bob']);
  expect(r.log).toContain('Ignored a command from @alice: edited after posting');
});

test('approvals from people without permission, or not approvers, are ignored; permission is checked at decision time', async () => {
  const r = await gate({ approvers: 'alice, bob, mallory, eve', permission: 'write' }, async (issue) => {
    await polls(1);
    emulator.setPermission(REPO, 'alice', 'read'); // lost write access after the request was opened
    say(issue, 'mallory', '/approve'); // read only
    say(issue, 'eve', '/approve'); // no access at all
    say(issue, 'dave', '/approve'); // admin, but not an approver
    say(issue, 'alice', '/approve');
    await polls(2);
    say(issue, 'bob', '/approve maintainer');
  });
  expect(r.outputs.decision).toBe('approved');
  expect(approvers(r)).toEqual(['bob']);
  expect(r.log).toContain('@alice: has read permission on the repository; approvers need write');
  expect(r.log).toContain('@mallory: has read permission on the repository; approvers need write');
  expect(r.log).toContain('@eve: has none permission');
  expect(r.log).toContain('@dave: not an approver');
});

test('deny from an approver ends it at once and fails the step', async () => {
  const r = await gate({ approvers: 'alice, bob', 'minimum-approvals': '2' }, async (issue) => {
    await polls(1);
    say(issue, 'bob', '/approve');
    say(issue, 'alice', '/deny the migration drops a column');
  });
  expect(r.exitCode).toBe(1);
  expect(r.outputs.decision).toBe('denied');
  expect(JSON.parse(r.outputs['denied-by']!)).toMatchObject({ login: 'alice', reason: 'the migration drops a column' });
  expect(r.annotations.find((a) => a.level === 'error')?.message).toContain('Denied by @alice');
  expect(emulator.issue(REPO, 1).state_reason).toBe('not_planned');
});

test('timeout: an explicit timed-out outcome, the issue closed with why', async () => {
  const r = await gate({ approvers: 'alice', timeout: '2s', 'fail-on-rejection': 'false' });
  expect(r.exitCode).toBe(0);
  expect(r.outputs.decision).toBe('timed-out');
  expect(r.outputs.approvers).toBe('[]');
  expect(emulator.issue(REPO, 1).state).toBe('closed');
  expect(emulator.commentsOf(REPO, 1).pop()!.body).toContain('Timed out** after 2.0s without a decision');
});

test('pagination past 100 comments, and waiting costs no rate limit (304s)', async () => {
  let waitedFrom = 0;
  let waitedTo = 0;
  const r = await gate({ approvers: 'alice' }, async (issue) => {
    for (let i = 0; i < 150; i++) say(issue, i % 2 ? 'bob' : 'mallory', `chatter ${i}`);
    await polls(4); // the first poll sees them (and the issue's comment count) once; then nothing changes
    waitedFrom = emulator.log.length;
    await polls(10); // ten unchanged polls, each over two pages
    waitedTo = emulator.log.length;
    say(issue, 'alice', '/approve after the noise');
  });
  expect(r.outputs.decision).toBe('approved');
  const pages = emulator.log.filter((x) => x.path.endsWith('/comments')).map((x) => new URLSearchParams(x.query));
  expect(pages.filter((q) => q.get('page') === '2' && q.get('per_page') === '100').length).toBeGreaterThan(3);
  const waiting = emulator.log.slice(waitedFrom, waitedTo);
  expect(waiting.length).toBeGreaterThanOrEqual(10);
  // Every request while nothing changed was a 304: zero against the rate limit.
  expect(waiting.filter((x) => x.counted)).toEqual([]);
  expect(r.log).toMatch(/GitHub API: \d+ requests, \d+ answered 304/);
});

test('secondary rate limits and 5xx are retried while waiting', async () => {
  const r = await gate({ approvers: 'alice' }, async (issue) => {
    await polls(1);
    emulator.injectFault({ kind: 'secondary', retryAfter: 1, match: '/comments' });
    emulator.injectFault({ kind: 'server', status: 502, count: 2, match: '/comments' });
    await polls(3);
    say(issue, 'alice', '/approve');
  });
  expect(r.outputs.decision).toBe('approved');
  expect(r.log).toContain('secondary rate limit (attempt 1); retrying in 1s');
  expect(r.log).toMatch(/502 \(attempt \d\); retrying/);
  expect(r.log).toMatch(/1 rate-limited, 3 retries/);
});

test('a revoked token ends with a precise message', async () => {
  const r = await gate({ approvers: 'alice' }, async () => {
    await polls(2);
    emulator.revokeToken(BOT_TOKEN);
  });
  expect(r.exitCode).toBe(1);
  expect(r.annotations[0]!.message).toContain(
    'GitHub rejected the token (401 Bad credentials): it was revoked or has expired',
  );
});

test('a deleted issue ends with a precise message', async () => {
  const r = await gate({ approvers: 'alice' }, async (issue) => {
    await polls(2);
    emulator.deleteIssue(REPO, issue);
  });
  expect(r.exitCode).toBe(1);
  expect(r.annotations[0]!.message).toContain('approval issue #1 in org/example was deleted');
});

test('teams with the default GITHUB_TOKEN: a clear error about the token, before opening an issue', async () => {
  const r = await gate({ approvers: 'org/sre' });
  expect(r.exitCode).toBe(1);
  expect(r.annotations[0]!.message).toContain('Resource not accessible by integration');
  expect(r.annotations[0]!.message).toContain('read:org');
  expect(emulator.repo(REPO).issues.size).toBe(0);
});

test.each([
  [{ approvers: '' }, 'approvers: is empty'],
  [{ approvers: 'alice, bob', 'minimum-approvals': '3' }, 'minimum-approvals: 3 is more than the 2 approver(s)'],
  [{ approvers: 'alice, octocat', 'minimum-approvals': '2' }, '(octocat triggered this run and cannot approve it)'],
  [{ approvers: 'org/SRE Team' }, 'approvers: "org/SRE Team" is not a valid team'],
  [{ approvers: 'alice', timeout: '30d' }, 'timeout: 30d is out of range'],
  [{ approvers: 'alice', 'group-quorum': 'org/sre=1' }, 'group-quorum: org/sre is not one of the approvers'],
])('bad input %j fails before any API call', async (inputs, message) => {
  const r = await gate(inputs);
  expect(r.exitCode).toBe(1);
  expect(r.annotations[0]!.message).toContain(message);
  expect(emulator.log).toEqual([]);
});
