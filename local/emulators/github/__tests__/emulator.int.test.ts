/** The emulator's wire behaviour, seen through the unmodified Octokit (@actions/github). */
import { GitHubEmulator } from '../server.js';

let emulator: GitHubEmulator;
type Octokit = ReturnType<typeof import('@actions/github')['getOctokit']>;
let octokit: (token?: string) => Octokit;

beforeAll(async () => {
  emulator = new GitHubEmulator();
  await emulator.listen(0);
  process.env.GITHUB_API_URL = emulator.url;
  const { getOctokit } = await import('@actions/github');
  octokit = (token = 'token-alice') => getOctokit(token, { baseUrl: emulator.url });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  emulator.seed({
    users: [
      { login: 'alice' },
      { login: 'bob' },
      { login: 'bot', installation: true, type: 'Bot', tokens: ['ghs_bot'] },
    ],
    repos: [{ owner: 'org', name: 'app', private: true, collaborators: { alice: 'maintain', bot: 'write' } }],
    teams: [{ org: 'org', slug: 'sre', members: ['alice'], pending: ['bob'] }],
  });
});

const status = async (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (e: { status: number }) => e.status,
  );

test('issues: create, comment, edit, close, with the shapes Octokit expects', async () => {
  const gh = octokit();
  const { data: issue, status: created } = await gh.rest.issues.create({
    owner: 'org',
    repo: 'app',
    title: 'Deploy',
    body: 'b',
    assignees: ['alice', 'bob'],
    labels: ['x'],
  });
  expect(created).toBe(201);
  expect(issue).toMatchObject({ number: 1, state: 'open', user: { login: 'alice' }, labels: [{ name: 'x' }] });
  expect(issue.assignees!.map((a) => a.login)).toEqual(['alice']); // bob has no access: dropped, as on GitHub
  const { data: comment } = await gh.rest.issues.createComment({
    owner: 'org',
    repo: 'app',
    issue_number: 1,
    body: '/approve',
  });
  expect(comment.created_at).toBe(comment.updated_at);
  const edited = emulator.editComment(comment.id, '/approve edited');
  expect(Date.parse(edited.updated_at)).toBeGreaterThan(Date.parse(edited.created_at));
  const { data: closed } = await gh.rest.issues.update({
    owner: 'org',
    repo: 'app',
    issue_number: 1,
    state: 'closed',
    state_reason: 'not_planned',
  });
  expect(closed).toMatchObject({ state: 'closed', state_reason: 'not_planned', closed_by: { login: 'alice' } });
});

test('comments: since filters on updated_at; Link pagination walks 250 comments', async () => {
  const gh = octokit();
  await gh.rest.issues.create({ owner: 'org', repo: 'app', title: 't' });
  for (let i = 0; i < 250; i++) emulator.postComment('org/app', 1, 'bob', `c${i}`, '2026-01-01T00:00:00Z');
  const all = await gh.paginate(gh.rest.issues.listComments, {
    owner: 'org',
    repo: 'app',
    issue_number: 1,
    per_page: 100,
  });
  expect(all).toHaveLength(250);
  const first = await gh.rest.issues.listComments({ owner: 'org', repo: 'app', issue_number: 1, per_page: 100 });
  expect(first.headers.link).toMatch(/page=2>; rel="next".*page=3>; rel="last"/);
  emulator.editComment(all[10]!.id, 'changed');
  const recent = await gh.rest.issues.listComments({
    owner: 'org',
    repo: 'app',
    issue_number: 1,
    since: '2026-01-02T00:00:00Z',
  });
  expect(recent.data.map((c) => c.body)).toEqual(['changed']);
});

test('ETag and 304: a conditional request that matches is free', async () => {
  const gh = octokit();
  await gh.rest.issues.create({ owner: 'org', repo: 'app', title: 't' });
  const first = await gh.rest.issues.get({ owner: 'org', repo: 'app', issue_number: 1 });
  const remaining = Number(first.headers['x-ratelimit-remaining']);
  const etag = first.headers.etag!;
  const again = await status(
    gh.rest.issues.get({ owner: 'org', repo: 'app', issue_number: 1, headers: { 'if-none-match': etag } }),
  );
  expect(again).toBe(304);
  const third = await gh.rest.issues.get({ owner: 'org', repo: 'app', issue_number: 1 });
  expect(Number(third.headers['x-ratelimit-remaining'])).toBe(remaining - 1); // the 304 cost nothing
  emulator.postComment('org/app', 1, 'bob', 'hi'); // the comment count changes the issue
  expect(
    await status(
      gh.rest.issues.get({ owner: 'org', repo: 'app', issue_number: 1, headers: { 'if-none-match': etag } }),
    ),
  ).toBe(200);
  expect(emulator.stats()).toMatchObject({ notModified: 1 });
});

test('permissions, team memberships, users, repos', async () => {
  const gh = octokit();
  const { data: p } = await gh.rest.repos.getCollaboratorPermissionLevel({
    owner: 'org',
    repo: 'app',
    username: 'alice',
  });
  expect(p).toMatchObject({ permission: 'write', role_name: 'maintain' });
  const { data: none } = await gh.rest.repos.getCollaboratorPermissionLevel({
    owner: 'org',
    repo: 'app',
    username: 'bob',
  });
  expect(none.permission).toBe('none');
  const { data: m } = await gh.rest.teams.getMembershipForUserInOrg({
    org: 'org',
    team_slug: 'sre',
    username: 'alice',
  });
  expect(m).toMatchObject({ state: 'active', role: 'member' });
  const { data: pending } = await gh.rest.teams.getMembershipForUserInOrg({
    org: 'org',
    team_slug: 'sre',
    username: 'bob',
  });
  expect(pending.state).toBe('pending');
  expect(
    await status(gh.rest.teams.getMembershipForUserInOrg({ org: 'org', team_slug: 'sre', username: 'nobody' })),
  ).toBe(404);
  // An installation token (GITHUB_TOKEN) cannot read teams.
  expect(await status(octokit('ghs_bot').rest.teams.getByName({ org: 'org', team_slug: 'sre' }))).toBe(403);
  expect((await gh.rest.users.getByUsername({ username: 'bob' })).data.login).toBe('bob');
  expect((await gh.rest.repos.get({ owner: 'org', repo: 'app' })).data).toMatchObject({
    full_name: 'org/app',
    private: true,
  });
  expect(await status(octokit('token-bob').rest.repos.get({ owner: 'org', repo: 'app' }))).toBe(404); // private
});

test('faults: secondary rate limit, 5xx, revoked token, deleted issue', async () => {
  const gh = octokit();
  await gh.rest.issues.create({ owner: 'org', repo: 'app', title: 't' });
  emulator.injectFault({ kind: 'secondary', retryAfter: 7, match: 'GET /repos/org/app/issues/1' });
  const secondary = await gh.rest.issues.get({ owner: 'org', repo: 'app', issue_number: 1 }).catch((e) => e);
  expect(secondary.status).toBe(403);
  expect(secondary.response.headers['retry-after']).toBe('7');
  expect(secondary.message).toContain('secondary rate limit');
  emulator.injectFault({ kind: 'server', status: 503, count: 2 });
  expect(await status(gh.rest.repos.get({ owner: 'org', repo: 'app' }))).toBe(503);
  expect(await status(gh.rest.repos.get({ owner: 'org', repo: 'app' }))).toBe(503);
  expect(await status(gh.rest.repos.get({ owner: 'org', repo: 'app' }))).toBe(200);
  emulator.deleteIssue('org/app', 1);
  expect(await status(gh.rest.issues.get({ owner: 'org', repo: 'app', issue_number: 1 }))).toBe(410);
  emulator.revokeToken('token-alice');
  expect(await status(gh.rest.repos.get({ owner: 'org', repo: 'app' }))).toBe(401);
});

test('control endpoints: seed, approve as a user on the newest open issue, stats', async () => {
  const post = (path: string, body: unknown) =>
    fetch(`${emulator.url}/_emulator/${path}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json());
  await post('seed', {
    users: [{ login: 'carol' }],
    repos: [{ owner: 'org', name: 'app', collaborators: { carol: 'write' } }],
  });
  await octokit().rest.issues.create({ owner: 'org', repo: 'app', title: 'one' });
  await octokit().rest.issues.create({ owner: 'org', repo: 'app', title: 'two' });
  const comment = await post('approve', { repo: 'org/app', user: 'carol', reason: 'ship it' });
  expect(comment).toMatchObject({ body: '/approve ship it', user: { login: 'carol' } });
  expect(emulator.commentsOf('org/app', 2)).toHaveLength(1);
  const stats = await fetch(`${emulator.url}/_emulator/stats`).then((r) => r.json());
  expect(stats).toMatchObject({ requests: 2, counted: 2 });
});
