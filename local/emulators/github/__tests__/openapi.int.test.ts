/**
 * Every endpoint the suite calls (approve-gate's Octokit calls, plus the ones the emulator serves
 * for the local runner), success and error statuses, driven through @octokit/rest (an independent
 * client, not the suite's @actions/github) and validated against GitHub's OpenAPI description.
 */
import { Octokit } from '@octokit/rest';
import { GitHubEmulator } from '../server.js';
import { openApiValidator } from './openapi.js';

let emulator: GitHubEmulator;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const validate = openApiValidator();
const seen: { method: string; path: string; status: number; body: unknown }[] = [];

const client = (token?: string) => {
  const octokit = new Octokit({ auth: token, baseUrl: emulator.url, request: { retries: 0 }, log: quiet });
  octokit.hook.wrap('request', async (request, options) => {
    const path = () => new URL(String(options.url).replace(/^\//, `${emulator.url}/`)).pathname;
    try {
      const response = await request(options);
      seen.push({
        method: options.method,
        path: new URL(response.url).pathname,
        status: response.status,
        body: response.data || undefined,
      });
      return response;
    } catch (e) {
      const err = e as { status: number; response?: { url: string; data?: unknown } };
      const at = err.response?.url ? new URL(err.response.url).pathname : path();
      seen.push({ method: options.method, path: at, status: err.status, body: err.response?.data || undefined });
      throw e;
    }
  });
  return octokit;
};
const status = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (e: { status: number }) => e.status,
  );

beforeAll(async () => {
  emulator = new GitHubEmulator();
  await emulator.listen(0);
});
afterAll(() => emulator.close());

test('every endpoint the suite uses answers as GitHub documents it, success and error', async () => {
  emulator.seed({
    roles: [{ org: 'org', name: 'deployer', base: 'write' }],
    users: [
      { login: 'alice' },
      { login: 'bob' },
      { login: 'carol' },
      { login: 'bot', installation: true, type: 'Bot', tokens: ['ghs_bot'] },
    ],
    repos: [
      {
        owner: 'org',
        name: 'app',
        private: true,
        collaborators: { alice: 'maintain', carol: 'deployer', bot: 'write', bob: 'read' },
      },
    ],
    teams: [{ org: 'org', slug: 'sre', members: ['alice'], pending: ['bob'] }],
  });
  const alice = client('token-alice');
  const bob = client('token-bob');
  const bot = client('ghs_bot');
  const o = { owner: 'org', repo: 'app' };

  await alice.rest.repos.get(o);
  expect(await status(client('token-nobody-has').rest.repos.get(o))).toBe(401);
  expect(await status(client().rest.repos.get(o))).toBe(404); // private, anonymous
  const { data: issue } = await alice.rest.issues.create({
    ...o,
    title: 'Deploy',
    body: 'b',
    assignees: ['alice'],
    labels: ['deploy'],
  });
  expect(await status(alice.rest.issues.create({ ...o, title: '' }))).toBe(422);
  await alice.rest.issues.listForRepo(o);
  const { headers } = await alice.rest.issues.get({ ...o, issue_number: issue.number });
  expect(
    await status(
      alice.rest.issues.get({ ...o, issue_number: issue.number, headers: { 'if-none-match': headers.etag! } }),
    ),
  ).toBe(304);
  const { data: comment } = await bob.rest.issues.createComment({ ...o, issue_number: issue.number, body: '/approve' });
  await alice.rest.issues.listComments({ ...o, issue_number: issue.number, since: issue.created_at, per_page: 100 });
  expect(await status(alice.rest.issues.listComments({ ...o, issue_number: issue.number, since: 'yesterday' }))).toBe(
    422,
  );
  await alice.rest.issues.getComment({ ...o, comment_id: comment.id });
  await bob.rest.issues.updateComment({ ...o, comment_id: comment.id, body: '/approve edited' });
  expect(await status(client('token-carol').rest.issues.deleteComment({ ...o, comment_id: 999999 }))).toBe(404);
  expect(await status(bob.rest.issues.update({ ...o, issue_number: issue.number, state: 'closed' }))).toBe(403); // read role
  await alice.rest.repos.getCollaboratorPermissionLevel({ ...o, username: 'alice' });
  const { data: custom } = await alice.rest.repos.getCollaboratorPermissionLevel({ ...o, username: 'carol' });
  expect(custom).toMatchObject({ permission: 'write', role_name: 'deployer' });
  expect(await status(alice.rest.repos.getCollaboratorPermissionLevel({ ...o, username: 'nobody' }))).toBe(404);
  await alice.rest.teams.getByName({ org: 'org', team_slug: 'sre' });
  expect(await status(alice.rest.teams.getByName({ org: 'org', team_slug: 'none' }))).toBe(404);
  expect(await status(bot.rest.teams.getByName({ org: 'org', team_slug: 'sre' }))).toBe(403);
  await alice.rest.teams.getMembershipForUserInOrg({ org: 'org', team_slug: 'sre', username: 'bob' });
  expect(
    await status(alice.rest.teams.getMembershipForUserInOrg({ org: 'org', team_slug: 'sre', username: 'carol' })),
  ).toBe(404);
  expect(
    await status(bot.rest.teams.getMembershipForUserInOrg({ org: 'org', team_slug: 'sre', username: 'alice' })),
  ).toBe(403);
  await alice.rest.teams.listMembersInOrg({ org: 'org', team_slug: 'sre' });
  await alice.rest.users.getByUsername({ username: 'bob' });
  expect(await status(alice.rest.users.getByUsername({ username: 'nobody' }))).toBe(404);
  await alice.rest.users.getAuthenticated();
  expect(await status(bot.rest.users.getAuthenticated())).toBe(403); // installation token
  await bot.rest.rateLimit.get();
  await alice.rest.issues.update({ ...o, issue_number: issue.number, state: 'closed', state_reason: 'completed' });
  await alice.rest.issues.deleteComment({ ...o, comment_id: comment.id });

  // Rate limits and faults, as GitHub answers them.
  emulator.injectFault({ kind: 'secondary', retryAfter: 3, match: '/comments' });
  expect(await status(alice.rest.issues.listComments({ ...o, issue_number: issue.number }))).toBe(403);
  emulator.injectFault({ kind: 'secondary', status: 429, match: '/comments' });
  expect(await status(alice.rest.issues.listComments({ ...o, issue_number: issue.number }))).toBe(429);
  emulator.injectFault({ kind: 'primary', match: '/issues/' });
  expect(await status(alice.rest.issues.get({ ...o, issue_number: issue.number }))).toBe(403);
  emulator.injectFault({ kind: 'server', status: 502 });
  expect(await status(alice.rest.repos.get(o))).toBe(502);

  // A job token without issues: write gets GitHub's 403 on an issue update.
  const job = client(emulator.mintToken('org/app', { issues: 'read' }).token);
  expect(await status(job.rest.issues.update({ ...o, issue_number: issue.number, state: 'open' }))).toBe(403);
  emulator.deleteIssue('org/app', issue.number);
  expect(await status(alice.rest.issues.get({ ...o, issue_number: issue.number }))).toBe(410);

  const failures = seen.flatMap((r) => {
    const v = validate(r.method, r.path, r.status, r.body);
    return v.errors.map((e) => `${r.method} ${r.path} ${r.status}: ${e}`);
  });
  expect(failures).toEqual([]);

  const covered = new Set(
    seen.map((r) => `${r.method} ${validate(r.method, r.path, r.status, r.body).template} ${r.status}`),
  );
  for (const need of [
    'GET /repos/{owner}/{repo} 200',
    'POST /repos/{owner}/{repo}/issues 201',
    'POST /repos/{owner}/{repo}/issues 422',
    'GET /repos/{owner}/{repo}/issues 200',
    'GET /repos/{owner}/{repo}/issues/{issue_number} 200',
    'GET /repos/{owner}/{repo}/issues/{issue_number} 304',
    'GET /repos/{owner}/{repo}/issues/{issue_number} 410',
    'PATCH /repos/{owner}/{repo}/issues/{issue_number} 200',
    'PATCH /repos/{owner}/{repo}/issues/{issue_number} 403',
    'GET /repos/{owner}/{repo}/issues/{issue_number}/comments 200',
    'GET /repos/{owner}/{repo}/issues/{issue_number}/comments 403',
    'GET /repos/{owner}/{repo}/issues/{issue_number}/comments 429',
    'POST /repos/{owner}/{repo}/issues/{issue_number}/comments 201',
    'GET /repos/{owner}/{repo}/issues/comments/{comment_id} 200',
    'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id} 200',
    'DELETE /repos/{owner}/{repo}/issues/comments/{comment_id} 204',
    'GET /repos/{owner}/{repo}/collaborators/{username}/permission 200',
    'GET /repos/{owner}/{repo}/collaborators/{username}/permission 404',
    'GET /orgs/{org}/teams/{team_slug} 200',
    'GET /orgs/{org}/teams/{team_slug} 403',
    'GET /orgs/{org}/teams/{team_slug}/memberships/{username} 200',
    'GET /orgs/{org}/teams/{team_slug}/memberships/{username} 404',
    'GET /orgs/{org}/teams/{team_slug}/memberships/{username} 403',
    'GET /orgs/{org}/teams/{team_slug}/members 200',
    'GET /users/{username} 200',
    'GET /user 200',
    'GET /user 403',
    'GET /rate_limit 200',
  ]) {
    expect(covered).toContain(need);
  }
});

test('the validator fails a body that breaks the description (it can fail)', () => {
  const v = validate('GET', '/repos/org/app/issues/1', 200, { number: 1, title: 't' });
  expect(v.errors.join('\n')).toContain("must have required property 'url'");
  expect(
    validate('GET', '/orgs/org/teams/sre', 200, { id: 1, name: 'sre', slug: 'sre' }).errors.length,
  ).toBeGreaterThan(0);
});
