/** Job tokens, permissions, custom roles and rate limits as GitHub documents them (through @octokit/rest). */
import { Octokit } from '@octokit/rest';
import { GitHubEmulator } from '../server.js';

let emulator: GitHubEmulator;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const client = (token?: string) =>
  new Octokit({ auth: token, baseUrl: emulator.url, request: { retries: 0 }, log: quiet });
const o = { owner: 'org', repo: 'app' };
type Failure = {
  status: number;
  response: { headers: Record<string, string>; data: { message: string; documentation_url: string } };
};
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: Failure) => e,
  );
const control = (path: string, body: unknown) =>
  fetch(`${emulator.url}/_emulator/${path}`, { method: 'POST', body: JSON.stringify(body) });

beforeAll(async () => {
  emulator = new GitHubEmulator();
  await emulator.listen(0);
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  emulator.seed({
    roles: [{ org: 'org', name: 'release-manager', base: 'triage' }],
    users: [{ login: 'alice' }, { login: 'mallory' }, { login: 'rita' }],
    repos: [
      {
        owner: 'org',
        name: 'app',
        private: true,
        collaborators: { alice: 'write', mallory: 'read', rita: 'release-manager' },
      },
      { owner: 'org', name: 'other', private: true },
    ],
  });
});

test('POST /_emulator/tokens mints a job token checked against its permissions', async () => {
  const response = await control('tokens', {
    repository: 'org/app',
    permissions: { issues: 'write', contents: 'read' },
  });
  expect(response.status).toBe(201);
  const { token, expires_at } = (await response.json()) as { token: string; expires_at: string };
  expect(token).toMatch(/^ghs_/);
  expect(Date.parse(expires_at)).toBeGreaterThan(Date.now());
  const job = client(token);
  const { data: issue } = await job.rest.issues.create({ ...o, title: 'Deploy' });
  expect(issue.user?.login).toBe('github-actions[bot]');
  await job.rest.issues.update({ ...o, issue_number: issue.number, state: 'closed' });
  expect((await job.rest.repos.get(o)).status).toBe(200); // metadata: read is always granted
  expect((await failure(job.rest.repos.get({ owner: 'org', repo: 'other' }))).status).toBe(404); // not its repository
  const user = await failure(job.rest.users.getAuthenticated());
  expect(user.status).toBe(403);
  expect(user.response.data.documentation_url).toContain('docs.github.com');

  const readOnly = client(emulator.mintToken('org/app', { issues: 'read' }).token);
  await readOnly.rest.issues.get({ ...o, issue_number: issue.number });
  const denied = await failure(readOnly.rest.issues.update({ ...o, issue_number: issue.number, state: 'open' }));
  expect(denied.status).toBe(403);
  expect(denied.response.data).toMatchObject({
    message: 'Resource not accessible by integration',
    documentation_url: 'https://docs.github.com/rest/issues/issues#update-an-issue',
  });
  const none = client(emulator.mintToken('org/app', {}).token);
  expect((await failure(none.rest.issues.createComment({ ...o, issue_number: issue.number, body: 'x' }))).status).toBe(
    403,
  );

  const bad = await control('tokens', { repository: 'org/app', permissions: { issue: 'write' } });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { message: string }).message).toMatch(/^permissions\.issue: unknown scope; expected/);
  expect((await control('tokens', { permissions: {} })).status).toBe(400);
});

test('issue updates are permission-checked by role; custom roles act as their base role and report their name', async () => {
  const { data: issue } = await client('token-alice').rest.issues.create({ ...o, title: 'by alice' });
  const byMallory = await client('token-mallory').rest.issues.create({ ...o, title: 'by mallory' });
  const closeAs = (token: string, n: number) =>
    client(token).rest.issues.update({ ...o, issue_number: n, state: 'closed' });
  expect((await failure(closeAs('token-mallory', issue.number))).status).toBe(403); // read: not someone else's
  await closeAs('token-mallory', byMallory.data.number); // the author may close their own
  await closeAs('token-rita', issue.number); // release-manager (base triage) may close
  expect(
    (await failure(client('token-rita').rest.issues.update({ ...o, issue_number: issue.number, title: 'renamed' })))
      .status,
  ).toBe(403); // triage cannot edit the title
  const { data } = await client('token-alice').rest.repos.getCollaboratorPermissionLevel({ ...o, username: 'rita' });
  expect(data).toMatchObject({ permission: 'read', role_name: 'release-manager' });
  expect(() => emulator.setPermission('org/app', 'alice', 'superuser')).toThrow(/not a built-in role/);
  expect((await control('role', { org: 'org', name: 'deployer', base: 'write' })).status).toBe(200);
  expect((await control('role', { org: 'org', name: 'root', base: 'admin' })).status).toBe(400);
  emulator.setPermission('org/app', 'mallory', 'deployer');
  await closeAs('token-mallory', issue.number);
});

test('GITHUB_TOKEN: 1,000 requests per hour per repository, shared by the job tokens of that repository', async () => {
  const a = emulator.mintToken('org/app', { issues: 'read' }).token;
  const b = emulator.mintToken('org/app', { issues: 'read' }).token;
  const get = (token: string) =>
    fetch(`${emulator.url}/repos/org/app`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => {
      await r.arrayBuffer();
      return r;
    });
  for (let i = 0; i < 1000; i += 50) {
    // Stay under the secondary limit (900 points a minute): move the clock a minute every 800.
    if (i === 800) emulator.timeOffsetMs += 61_000;
    const batch = await Promise.all(Array.from({ length: 50 }, (_, j) => get(j % 2 ? a : b)));
    expect(batch.every((r) => r.status === 200)).toBe(true);
  }
  const limited = await failure(client(a).rest.repos.get(o));
  expect(limited.status).toBe(403);
  expect(limited.response.headers['x-ratelimit-limit']).toBe('1000');
  expect(limited.response.headers['x-ratelimit-remaining']).toBe('0');
  const reset = Number(limited.response.headers['x-ratelimit-reset']);
  expect(reset).toBeGreaterThan(Date.now() / 1000);
  expect(limited.response.data.message).toMatch(/API rate limit exceeded/);
  expect(limited.response.data.documentation_url).toContain('rate-limits-for-the-rest-api');
  // Another repository's token has its own 1,000; a user token its own 5,000.
  expect(
    (await client(emulator.mintToken('org/other', {}).token).rest.repos.get({ owner: 'org', repo: 'other' })).headers[
      'x-ratelimit-limit'
    ],
  ).toBe('1000');
  expect((await client('token-alice').rest.repos.get(o)).headers['x-ratelimit-limit']).toBe('5000');
  // After the reset the repository can call again (with a new token: job tokens expire after an hour).
  emulator.timeOffsetMs = reset * 1000 - Date.now() + 1000;
  expect((await failure(client(a).rest.repos.get(o))).status).toBe(401);
  const fresh = await client(emulator.mintToken('org/app', {}).token).rest.repos.get(o);
  expect(fresh.headers['x-ratelimit-remaining']).toBe('999');
});

test('secondary limits: 80 content-creating requests a minute (403) and 900 points a minute (429), both with retry-after', async () => {
  const alice = client('token-alice');
  const { data: issue } = await alice.rest.issues.create({ ...o, title: 't' });
  for (let i = 1; i < 80; i++)
    await alice.rest.issues.createComment({ ...o, issue_number: issue.number, body: `c${i}` });
  const creating = await failure(
    alice.rest.issues.createComment({ ...o, issue_number: issue.number, body: 'one too many' }),
  );
  expect(creating.status).toBe(403);
  expect(creating.response.data.message).toMatch(/secondary rate limit/);
  expect(Number(creating.response.headers['retry-after'])).toBeGreaterThan(0);
  emulator.timeOffsetMs += 61_000;
  const statuses: number[] = [];
  for (let i = 0; i < 901; i += 53) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(53, 901 - i) }, () =>
        fetch(`${emulator.url}/repos/org/app`, { headers: { authorization: 'token token-alice' } }).then(async (r) => {
          await r.arrayBuffer();
          return r;
        }),
      ),
    );
    statuses.push(...batch.map((r) => r.status));
  }
  expect(statuses.filter((s) => s === 200)).toHaveLength(900);
  const points = await failure(alice.rest.repos.get(o));
  expect(points.status).toBe(429);
  expect(Number(points.response.headers['retry-after'])).toBeGreaterThan(0);
  expect(points.response.data.documentation_url).toContain('#about-secondary-rate-limits');
});
