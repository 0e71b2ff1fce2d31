/**
 * A local GitHub REST API emulator: the endpoints the suite uses, with GitHub's semantics where they
 * matter to a client (token auth, ETag / If-None-Match / 304, x-ratelimit-* headers, Link
 * pagination, `since` on comments, secondary rate limits, 5xx, deleted issues, revoked tokens).
 * The unmodified Octokit talks to it through GITHUB_API_URL. Control endpoints under /_emulator/
 * seed users, teams and permissions, post and edit comments as a user, inject faults and report
 * request counts. Differences from GitHub are listed in README.md.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';
const LEVEL: Record<Permission, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

export interface UserSeed {
  login: string;
  /** Tokens that authenticate as this user (default: `token-<login>`). */
  tokens?: string[];
  type?: 'User' | 'Bot';
  /** An installation token (GITHUB_TOKEN) cannot read team memberships (403), as on GitHub. */
  installation?: boolean;
  name?: string;
}
export interface RepoSeed {
  owner: string;
  name: string;
  private?: boolean;
  /** login -> permission (role). */
  collaborators?: Record<string, Permission>;
}
export interface TeamSeed {
  org: string;
  slug: string;
  name?: string;
  members?: string[];
  maintainers?: string[];
  /** Invited but not yet accepted: memberships with state "pending". */
  pending?: string[];
}
export interface Seed {
  users?: UserSeed[];
  repos?: RepoSeed[];
  teams?: TeamSeed[];
}

export interface FaultSpec {
  /** `secondary` (403 + retry-after), `primary` (403, remaining 0), `server` (5xx), `unauthorized` (401). */
  kind: 'secondary' | 'primary' | 'server' | 'unauthorized';
  /** How many matching requests fail (default 1). */
  count?: number;
  /** HTTP status for `server` faults (default 502). */
  status?: number;
  /** Seconds in the retry-after header of a secondary rate limit (default 1). */
  retryAfter?: number;
  /** Only requests whose METHOD and path match (e.g. `GET /repos/org/app/issues/1/comments`, a substring). */
  match?: string;
}

interface User {
  id: number;
  login: string;
  type: 'User' | 'Bot';
  name: string | null;
  installation: boolean;
  created_at: string;
}
interface Comment {
  id: number;
  issue: number;
  user: string;
  body: string;
  created_at: string;
  updated_at: string;
}
interface Issue {
  number: number;
  title: string;
  body: string | null;
  user: string;
  state: 'open' | 'closed';
  state_reason: string | null;
  labels: string[];
  assignees: string[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  closed_by: string | null;
  deleted: boolean;
}
interface Repo {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  collaborators: Map<string, Permission>;
  issues: Map<number, Issue>;
  nextIssue: number;
  created_at: string;
}
interface Team {
  id: number;
  org: string;
  slug: string;
  name: string;
  members: Map<string, { role: 'member' | 'maintainer'; state: 'active' | 'pending' }>;
}
interface Limit {
  limit: number;
  used: number;
  reset: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  /** The query string, without the leading `?`. */
  query: string;
  status: number;
  /** Whether the request counted against the primary rate limit (a 304 does not). */
  counted: boolean;
  token?: string;
  at: number;
}

export interface Stats {
  requests: number;
  /** Requests that counted against the primary rate limit. */
  counted: number;
  notModified: number;
  secondaryRateLimited: number;
  serverErrors: number;
  byStatus: Record<string, number>;
  byRoute: Record<string, number>;
}

class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

const notFound = () => new Reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
const gone = () =>
  new Reply(410, { message: 'This issue was deleted', documentation_url: 'https://docs.github.com/rest/issues' });
const validation = (resource: string, field: string, code = 'invalid') =>
  new Reply(422, { message: 'Validation Failed', errors: [{ resource, field, code }] });

export class GitHubEmulator {
  readonly users = new Map<string, User>();
  readonly tokens = new Map<string, string>();
  readonly revoked = new Set<string>();
  readonly repos = new Map<string, Repo>();
  readonly teams = new Map<string, Team>();
  readonly comments = new Map<number, Comment>();
  readonly faults: (FaultSpec & { remaining: number })[] = [];
  readonly log: RequestRecord[] = [];
  private limits = new Map<string, Limit>();
  private nextId = 1000;
  private nextCommentId = 5000;
  /** Milliseconds added to the wall clock for timestamps (tests can move time). */
  timeOffsetMs = 0;
  rateLimit = 5000;
  private server?: Server;
  url = '';

  now(): Date {
    return new Date(Date.now() + this.timeOffsetMs);
  }
  /** GitHub timestamps have one-second resolution. */
  private stamp(date = this.now()): string {
    return `${date.toISOString().slice(0, 19)}Z`;
  }

  // --- seeding and test control ------------------------------------------------------------

  reset(): void {
    for (const map of [this.users, this.tokens, this.repos, this.teams, this.comments, this.limits]) map.clear();
    this.revoked.clear();
    this.faults.length = 0;
    this.log.length = 0;
    this.timeOffsetMs = 0;
  }

  seed(seed: Seed): void {
    for (const u of seed.users ?? []) this.addUser(u);
    for (const r of seed.repos ?? []) this.addRepo(r);
    for (const t of seed.teams ?? []) this.addTeam(t);
  }

  addUser(seed: UserSeed): User {
    const existing = this.users.get(seed.login.toLowerCase());
    const user: User = existing ?? {
      id: this.nextId++,
      login: seed.login,
      type: seed.type ?? 'User',
      name: seed.name ?? null,
      installation: seed.installation ?? false,
      created_at: this.stamp(),
    };
    this.users.set(seed.login.toLowerCase(), user);
    for (const token of seed.tokens ?? [`token-${seed.login}`]) this.tokens.set(token, user.login);
    return user;
  }

  addRepo(seed: RepoSeed): void {
    const key = `${seed.owner}/${seed.name}`.toLowerCase();
    const repo: Repo = this.repos.get(key) ?? {
      id: this.nextId++,
      owner: seed.owner,
      name: seed.name,
      private: seed.private ?? false,
      collaborators: new Map(),
      issues: new Map(),
      nextIssue: 1,
      created_at: this.stamp(),
    };
    if (seed.private !== undefined) repo.private = seed.private;
    this.repos.set(key, repo);
    for (const [login, permission] of Object.entries(seed.collaborators ?? {})) {
      this.setPermission(`${seed.owner}/${seed.name}`, login, permission);
    }
  }

  addTeam(seed: TeamSeed): void {
    const key = `${seed.org}/${seed.slug}`.toLowerCase();
    const team: Team = this.teams.get(key) ?? {
      id: this.nextId++,
      org: seed.org,
      slug: seed.slug,
      name: seed.name ?? seed.slug,
      members: new Map(),
    };
    this.teams.set(key, team);
    for (const login of seed.members ?? []) this.setMembership(key, login, 'active');
    for (const login of seed.maintainers ?? []) this.setMembership(key, login, 'active', 'maintainer');
    for (const login of seed.pending ?? []) this.setMembership(key, login, 'pending');
  }

  setPermission(repoName: string, login: string, permission: Permission): void {
    const repo = this.repos.get(repoName.toLowerCase());
    if (!repo) throw new Error(`no repository ${repoName}`);
    if (!this.users.has(login.toLowerCase())) this.addUser({ login });
    if (permission === 'none') repo.collaborators.delete(login.toLowerCase());
    else repo.collaborators.set(login.toLowerCase(), permission);
  }

  /** state `removed` takes the user out of the team. */
  setMembership(
    teamName: string,
    login: string,
    state: 'active' | 'pending' | 'removed',
    role: 'member' | 'maintainer' = 'member',
  ): void {
    const team = this.teams.get(teamName.toLowerCase());
    if (!team) throw new Error(`no team ${teamName}`);
    if (!this.users.has(login.toLowerCase())) this.addUser({ login });
    if (state === 'removed') team.members.delete(login.toLowerCase());
    else team.members.set(login.toLowerCase(), { role, state });
  }

  revokeToken(token: string): void {
    this.revoked.add(token);
  }

  injectFault(fault: FaultSpec): void {
    this.faults.push({ ...fault, remaining: fault.count ?? 1 });
  }

  repo(name: string): Repo {
    const repo = this.repos.get(name.toLowerCase());
    if (!repo) throw new Error(`no repository ${name}`);
    return repo;
  }

  issue(repoName: string, number: number): Issue {
    const issue = this.repo(repoName).issues.get(number);
    if (!issue) throw new Error(`no issue ${repoName}#${number}`);
    return issue;
  }

  /** The newest open issue of a repository (what `--approve-as` approves), optionally with a label. */
  latestOpenIssue(repoName: string, label?: string): Issue | undefined {
    return [...this.repo(repoName).issues.values()]
      .filter((i) => i.state === 'open' && !i.deleted && (!label || i.labels.includes(label)))
      .sort((a, b) => b.number - a.number)[0];
  }

  /** Posts a comment as a user (created_at may be given to model the past). */
  postComment(repoName: string, number: number, login: string, body: string, createdAt?: string): Comment {
    const issue = this.issue(repoName, number);
    const user = this.users.get(login.toLowerCase()) ?? this.addUser({ login });
    const at = createdAt ?? this.stamp();
    const comment: Comment = {
      id: this.nextCommentId++,
      issue: issue.number,
      user: user.login,
      body,
      created_at: at,
      updated_at: at,
    };
    this.comments.set(comment.id, comment);
    (comment as Comment & { repo: string }).repo = repoName.toLowerCase();
    return comment;
  }

  /** Edits a comment: updated_at moves (at least one second after created_at, as GitHub would show). */
  editComment(id: number, body: string): Comment {
    const comment = this.comments.get(id);
    if (!comment) throw new Error(`no comment ${id}`);
    comment.body = body;
    const later = Math.max(this.now().getTime(), Date.parse(comment.created_at) + 1000);
    comment.updated_at = this.stamp(new Date(later));
    return comment;
  }

  deleteIssue(repoName: string, number: number): void {
    this.issue(repoName, number).deleted = true;
  }

  commentsOf(repoName: string, number: number): Comment[] {
    return [...this.comments.values()]
      .filter((c) => (c as Comment & { repo?: string }).repo === repoName.toLowerCase() && c.issue === number)
      .sort((a, b) => a.id - b.id);
  }

  stats(since = 0): Stats {
    const records = this.log.slice(since);
    const stats: Stats = {
      requests: records.length,
      counted: 0,
      notModified: 0,
      secondaryRateLimited: 0,
      serverErrors: 0,
      byStatus: {},
      byRoute: {},
    };
    for (const r of records) {
      if (r.counted) stats.counted++;
      if (r.status === 304) stats.notModified++;
      if (r.status >= 500) stats.serverErrors++;
      stats.byStatus[r.status] = (stats.byStatus[r.status] ?? 0) + 1;
      const route = `${r.method} ${r.path.replace(/\/\d+(?=\/|$)/g, '/{n}')}`;
      stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    }
    stats.secondaryRateLimited = records.filter((r) => r.status === 403 && !r.counted).length;
    return stats;
  }

  // --- JSON shapes ----------------------------------------------------------------------------

  private userJson(login: string) {
    const u = this.users.get(login.toLowerCase());
    const l = u?.login ?? login;
    return {
      login: l,
      id: u?.id ?? 0,
      node_id: `U_${u?.id ?? 0}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${u?.id ?? 0}`,
      url: `${this.url}/users/${l}`,
      html_url: `https://github.com/${l}`,
      type: u?.type ?? 'User',
      site_admin: false,
    };
  }
  private repoJson(repo: Repo) {
    return {
      id: repo.id,
      node_id: `R_${repo.id}`,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      owner: this.userJson(repo.owner),
      private: repo.private,
      visibility: repo.private ? 'private' : 'public',
      html_url: `https://github.com/${repo.owner}/${repo.name}`,
      url: `${this.url}/repos/${repo.owner}/${repo.name}`,
      default_branch: 'main',
      has_issues: true,
      created_at: repo.created_at,
    };
  }
  private issueJson(repo: Repo, issue: Issue) {
    const base = `${this.url}/repos/${repo.owner}/${repo.name}/issues/${issue.number}`;
    return {
      id: repo.id * 100000 + issue.number,
      node_id: `I_${issue.number}`,
      number: issue.number,
      url: base,
      comments_url: `${base}/comments`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/issues/${issue.number}`,
      title: issue.title,
      body: issue.body,
      user: this.userJson(issue.user),
      state: issue.state,
      state_reason: issue.state_reason,
      labels: issue.labels.map((name, i) => ({ id: i + 1, name, color: 'ededed' })),
      assignee: issue.assignees[0] ? this.userJson(issue.assignees[0]) : null,
      assignees: issue.assignees.map((a) => this.userJson(a)),
      comments: this.commentsOf(`${repo.owner}/${repo.name}`, issue.number).length,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      closed_at: issue.closed_at,
      closed_by: issue.closed_by ? this.userJson(issue.closed_by) : null,
      locked: false,
      author_association: 'OWNER',
    };
  }
  private commentJson(repo: Repo, comment: Comment) {
    return {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      url: `${this.url}/repos/${repo.owner}/${repo.name}/issues/comments/${comment.id}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/issues/${comment.issue}#issuecomment-${comment.id}`,
      issue_url: `${this.url}/repos/${repo.owner}/${repo.name}/issues/${comment.issue}`,
      body: comment.body,
      user: this.userJson(comment.user),
      created_at: comment.created_at,
      updated_at: comment.updated_at,
      author_association: this.permissionOf(repo, comment.user) === 'none' ? 'NONE' : 'COLLABORATOR',
    };
  }

  private permissionOf(repo: Repo, login: string): Permission {
    if (login.toLowerCase() === repo.owner.toLowerCase()) return 'admin';
    return repo.collaborators.get(login.toLowerCase()) ?? (repo.private ? 'none' : 'read');
  }

  // --- HTTP -----------------------------------------------------------------------------------

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `emulator error: ${(error as Error).message}` }));
      });
    });
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    const address = this.server.address() as AddressInfo;
    this.url = `http://${host}:${address.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return this.send(res, new Reply(400, { message: 'Problems parsing JSON' }));
      }
    }
    if (url.pathname.startsWith('/_emulator/')) {
      return this.send(res, this.control(method, url, body));
    }

    // Authentication: `token X` or `Bearer X`; unknown or revoked tokens are a 401.
    const auth = req.headers.authorization ?? '';
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(auth);
    const token = match?.[1];
    const record: RequestRecord = {
      method,
      path: url.pathname,
      query: url.search.slice(1),
      status: 0,
      counted: false,
      token,
      at: Date.now(),
    };
    this.log.push(record);
    const finish = (reply: Reply, counted: boolean) => {
      record.status = reply.status;
      record.counted = counted;
      return this.send(res, reply);
    };
    if (auth && (!token || !this.tokens.has(token) || this.revoked.has(token))) {
      return finish(
        new Reply(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' }),
        false,
      );
    }
    const login = token ? this.tokens.get(token) : undefined;
    const limitKey = token ?? `anonymous:${req.socket.remoteAddress}`;
    const limit = this.limitFor(limitKey, token ? this.rateLimit : 60);
    const rateHeaders = (): Record<string, string> => ({
      'x-ratelimit-limit': String(limit.limit),
      'x-ratelimit-remaining': String(Math.max(0, limit.limit - limit.used)),
      'x-ratelimit-used': String(limit.used),
      'x-ratelimit-reset': String(limit.reset),
      'x-ratelimit-resource': 'core',
    });

    const fault = this.takeFault(method, url.pathname);
    if (fault) {
      if (fault.kind === 'secondary') {
        const reply = new Reply(
          403,
          {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
            documentation_url:
              'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          },
          { ...rateHeaders(), 'retry-after': String(fault.retryAfter ?? 1) },
        );
        return finish(reply, false);
      }
      if (fault.kind === 'primary') {
        const headers: Record<string, string> = {
          ...rateHeaders(),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': String(limit.limit),
        };
        headers['x-ratelimit-reset'] = String(Math.ceil(Date.now() / 1000) + (fault.retryAfter ?? 1));
        return finish(new Reply(403, { message: `API rate limit exceeded for user ID ${login}.` }, headers), false);
      }
      if (fault.kind === 'unauthorized') return finish(new Reply(401, { message: 'Bad credentials' }), false);
      limit.used++;
      return finish(new Reply(fault.status ?? 502, { message: 'Server Error' }, rateHeaders()), true);
    }
    if (limit.used >= limit.limit) {
      return finish(
        new Reply(403, { message: `API rate limit exceeded for ${login ?? 'anonymous'}.` }, rateHeaders()),
        false,
      );
    }

    let reply: Reply;
    try {
      reply = this.route(method, url, body, login);
    } catch (error) {
      reply = new Reply(500, { message: (error as Error).message });
    }
    // Conditional GETs: a matching If-None-Match is a 304 that does not count against the limit.
    if (method === 'GET' && reply.status === 200) {
      const etag = `W/"${createHash('sha1')
        .update(`${token ?? ''}:${JSON.stringify(reply.body)}`)
        .digest('hex')}"`;
      reply.headers.etag = etag;
      reply.headers.vary = 'Accept, Authorization, Cookie, X-GitHub-OTP';
      reply.headers['cache-control'] = token ? 'private, max-age=60, s-maxage=60' : 'public, max-age=60, s-maxage=60';
      const inm = req.headers['if-none-match'];
      if (inm?.split(',').some((v) => v.trim() === etag || v.trim() === etag.slice(2))) {
        return finish(new Reply(304, undefined, { ...reply.headers, ...rateHeaders() }), false);
      }
    }
    limit.used++;
    Object.assign(reply.headers, rateHeaders());
    return finish(reply, true);
  }

  private limitFor(key: string, size: number): Limit {
    const nowS = Math.floor(Date.now() / 1000);
    let limit = this.limits.get(key);
    if (!limit || limit.reset <= nowS) {
      limit = { limit: size, used: 0, reset: nowS + 3600 };
      this.limits.set(key, limit);
    }
    return limit;
  }

  private takeFault(method: string, path: string): FaultSpec | undefined {
    const index = this.faults.findIndex((f) => f.remaining > 0 && (!f.match || `${method} ${path}`.includes(f.match)));
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.remaining--;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private send(res: ServerResponse, reply: Reply): void {
    const headers: Record<string, string> = {
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': createHash('md5').update(String(Math.random())).digest('hex').slice(0, 16).toUpperCase(),
      ...reply.headers,
    };
    if (reply.status === 204 || reply.status === 304 || reply.body === undefined) {
      res.writeHead(reply.status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }

  private route(method: string, url: URL, body: Record<string, unknown>, login: string | undefined): Reply {
    const p = url.pathname.replace(/\/+$/, '') || '/';
    const parts = p.split('/').slice(1).map(decodeURIComponent);
    const is = (m: string, pattern: string) => {
      if (m !== method) return false;
      const want = pattern.split('/').slice(1);
      return want.length === parts.length && want.every((w, i) => w.startsWith(':') || w === parts[i]);
    };
    const needAuth = () => (login ? undefined : new Reply(401, { message: 'Requires authentication' }));

    if (is('GET', '/rate_limit')) {
      return new Reply(200, { resources: {}, rate: { limit: this.rateLimit } });
    }
    if (is('GET', '/user')) return needAuth() ?? new Reply(200, this.userJson(login!));
    if (is('GET', '/users/:u')) {
      const u = this.users.get(parts[1]!.toLowerCase());
      return u ? new Reply(200, { ...this.userJson(u.login), name: u.name, created_at: u.created_at }) : notFound();
    }
    if (is('GET', '/orgs/:org/teams/:team')) {
      const team = this.teams.get(`${parts[1]}/${parts[3]}`.toLowerCase());
      if (!team) return notFound();
      const denied = this.teamAccess(login);
      if (denied) return denied;
      return new Reply(200, { id: team.id, slug: team.slug, name: team.name, organization: { login: team.org } });
    }
    if (is('GET', '/orgs/:org/teams/:team/memberships/:user')) {
      const team = this.teams.get(`${parts[1]}/${parts[3]}`.toLowerCase());
      if (!team) return notFound();
      const denied = this.teamAccess(login);
      if (denied) return denied;
      const m = team.members.get(parts[5]!.toLowerCase());
      if (!m) return notFound();
      return new Reply(200, {
        url: `${this.url}/orgs/${team.org}/teams/${team.slug}/memberships/${parts[5]}`,
        role: m.role,
        state: m.state,
      });
    }
    if (is('GET', '/orgs/:org/teams/:team/members')) {
      const team = this.teams.get(`${parts[1]}/${parts[3]}`.toLowerCase());
      if (!team) return notFound();
      const denied = this.teamAccess(login);
      if (denied) return denied;
      const members = [...team.members.entries()]
        .filter(([, m]) => m.state === 'active')
        .map(([l]) => this.userJson(l));
      return this.paginate(url, members);
    }

    if (parts[0] !== 'repos' || parts.length < 3) return notFound();
    const repo = this.repos.get(`${parts[1]}/${parts[2]}`.toLowerCase());
    const visible = repo && (!repo.private || (login && this.permissionOf(repo, login) !== 'none'));
    if (!repo || !visible) return notFound();
    const full = `${repo.owner}/${repo.name}`;

    if (is('GET', '/repos/:o/:r')) return new Reply(200, this.repoJson(repo));
    if (is('GET', '/repos/:o/:r/collaborators/:u/permission')) {
      const denied = needAuth();
      if (denied) return denied;
      const user = this.users.get(parts[4]!.toLowerCase());
      if (!user) return notFound();
      const role = this.permissionOf(repo, user.login);
      const legacy = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
      return new Reply(200, { permission: legacy, role_name: role, user: this.userJson(user.login) });
    }
    if (is('POST', '/repos/:o/:r/issues')) {
      const denied = needAuth();
      if (denied) return denied;
      if (typeof body.title !== 'string' || !body.title) return validation('Issue', 'title', 'missing_field');
      const assignees = (body.assignees as string[] | undefined) ?? [];
      if (assignees.length > 10) return validation('Issue', 'assignees', 'invalid');
      for (const a of assignees) if (!this.users.has(a.toLowerCase())) return validation('Issue', 'assignees');
      const at = this.stamp();
      const issue: Issue = {
        number: repo.nextIssue++,
        title: body.title,
        body: (body.body as string | undefined) ?? null,
        user: login!,
        state: 'open',
        state_reason: null,
        labels: ((body.labels as string[] | undefined) ?? []).map(String),
        // GitHub silently drops assignees who cannot be assigned (no access to the repository).
        assignees: assignees
          .filter((a) => LEVEL[this.permissionOf(repo, a)] >= LEVEL.read)
          .map((a) => this.users.get(a.toLowerCase())!.login),
        created_at: at,
        updated_at: at,
        closed_at: null,
        closed_by: null,
        deleted: false,
      };
      repo.issues.set(issue.number, issue);
      return new Reply(201, this.issueJson(repo, issue), {
        location: `${this.url}/repos/${full}/issues/${issue.number}`,
      });
    }
    if (is('GET', '/repos/:o/:r/issues')) {
      const state = url.searchParams.get('state') ?? 'open';
      const issues = [...repo.issues.values()]
        .filter((i) => !i.deleted && (state === 'all' || i.state === state))
        .sort((a, b) => b.number - a.number)
        .map((i) => this.issueJson(repo, i));
      return this.paginate(url, issues);
    }
    if (parts[3] === 'issues' && parts[4] === 'comments' && parts.length === 6) {
      const comment = this.comments.get(Number(parts[5]));
      if (!comment || (comment as Comment & { repo?: string }).repo !== full.toLowerCase()) return notFound();
      if (method === 'GET') return new Reply(200, this.commentJson(repo, comment));
      const denied = needAuth();
      if (denied) return denied;
      const mayModerate = LEVEL[this.permissionOf(repo, login!)] >= LEVEL.write;
      if (comment.user.toLowerCase() !== login!.toLowerCase() && !mayModerate)
        return new Reply(403, { message: 'Must have admin rights to Repository.' });
      if (method === 'PATCH') {
        if (typeof body.body !== 'string') return validation('IssueComment', 'body', 'missing_field');
        return new Reply(200, this.commentJson(repo, this.editComment(comment.id, body.body)));
      }
      if (method === 'DELETE') {
        this.comments.delete(comment.id);
        return new Reply(204, undefined);
      }
      return notFound();
    }
    if (parts[3] === 'issues' && /^\d+$/.test(parts[4] ?? '')) {
      const issue = repo.issues.get(Number(parts[4]));
      if (!issue) return notFound();
      if (issue.deleted) return gone();
      if (is('GET', '/repos/:o/:r/issues/:n')) return new Reply(200, this.issueJson(repo, issue));
      if (is('PATCH', '/repos/:o/:r/issues/:n')) {
        const denied = needAuth();
        if (denied) return denied;
        if (body.state === 'closed' && issue.state === 'open') {
          issue.state = 'closed';
          issue.closed_at = this.stamp();
          issue.closed_by = login!;
          issue.state_reason = (body.state_reason as string | undefined) ?? 'completed';
        } else if (body.state === 'open') {
          issue.state = 'open';
          issue.closed_at = null;
          issue.state_reason = 'reopened';
        }
        if (typeof body.title === 'string') issue.title = body.title;
        if (typeof body.body === 'string') issue.body = body.body;
        if (Array.isArray(body.labels)) issue.labels = body.labels.map(String);
        issue.updated_at = this.stamp();
        return new Reply(200, this.issueJson(repo, issue));
      }
      if (is('GET', '/repos/:o/:r/issues/:n/comments')) {
        let list = this.commentsOf(full, issue.number);
        const since = url.searchParams.get('since');
        if (since) {
          const t = Date.parse(since);
          if (Number.isNaN(t)) return validation('IssueComment', 'since');
          list = list.filter((c) => Date.parse(c.updated_at) >= t);
        }
        return this.paginate(
          url,
          list.map((c) => this.commentJson(repo, c)),
        );
      }
      if (is('POST', '/repos/:o/:r/issues/:n/comments')) {
        const denied = needAuth();
        if (denied) return denied;
        if (typeof body.body !== 'string' || !body.body) return validation('IssueComment', 'body', 'missing_field');
        const comment = this.postComment(full, issue.number, login!, body.body);
        return new Reply(201, this.commentJson(repo, comment));
      }
    }
    return notFound();
  }

  private teamAccess(login: string | undefined): Reply | undefined {
    if (!login) return new Reply(401, { message: 'Requires authentication' });
    const user = this.users.get(login.toLowerCase());
    if (user?.installation) {
      return new Reply(403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/teams/members#get-team-membership-for-a-user',
      });
    }
    return undefined;
  }

  /** `per_page` (default 30, at most 100) and `page`, with a Link header as GitHub writes it. */
  private paginate(url: URL, items: unknown[]): Reply {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const link = (n: number, rel: string) => {
      const u = new URL(`${this.url}${url.pathname}${url.search}`);
      u.searchParams.set('per_page', String(perPage));
      u.searchParams.set('page', String(n));
      return `<${u.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'));
    return new Reply(200, slice, links.length ? { link: links.join(', ') } : {});
  }

  // --- control endpoints (/_emulator/...), for tests and the local pipeline runner -------------

  private control(method: string, url: URL, body: Record<string, unknown>): Reply {
    const path = url.pathname.slice('/_emulator'.length);
    const str = (key: string) => {
      const value = body[key];
      if (typeof value !== 'string' || !value) throw new Error(`${key} is required`);
      return value;
    };
    try {
      if (method === 'GET' && path === '/stats') {
        return new Reply(200, this.stats(Number(url.searchParams.get('since') ?? 0)));
      }
      if (method === 'GET' && path === '/requests') return new Reply(200, this.log);
      if (method === 'GET' && path === '/health') return new Reply(200, { ok: true });
      if (method === 'GET' && path === '/issues') {
        const repo = this.repo(url.searchParams.get('repo') ?? '');
        const issues = [...repo.issues.values()].map((i) => ({
          ...this.issueJson(repo, i),
          deleted: i.deleted,
          comment_list: this.commentsOf(`${repo.owner}/${repo.name}`, i.number),
        }));
        return new Reply(200, issues);
      }
      if (method !== 'POST') return notFound();
      switch (path) {
        case '/reset':
          this.reset();
          return new Reply(200, { ok: true });
        case '/seed':
          this.seed(body as Seed);
          return new Reply(200, { ok: true });
        case '/permission':
          this.setPermission(str('repo'), str('user'), str('permission') as Permission);
          return new Reply(200, { ok: true });
        case '/membership':
          this.setMembership(
            str('team'),
            str('user'),
            ((body.state as string) ?? 'active') as 'active',
            ((body.role as string) ?? 'member') as 'member',
          );
          return new Reply(200, { ok: true });
        case '/revoke':
          this.revokeToken(str('token'));
          return new Reply(200, { ok: true });
        case '/fault':
          this.injectFault(body as unknown as FaultSpec);
          return new Reply(200, { ok: true, pending: this.faults.length });
        case '/time':
          this.timeOffsetMs = Number(body.offsetMs ?? 0);
          return new Reply(200, { now: this.now().toISOString() });
        case '/comment': {
          const repoName = str('repo');
          const number = body.issue ? Number(body.issue) : this.latestOpenIssue(repoName)?.number;
          if (!number) return new Reply(404, { message: `no open issue in ${repoName}` });
          const c = this.postComment(repoName, number, str('user'), str('body'), body.created_at as string | undefined);
          return new Reply(201, this.commentJson(this.repo(repoName), c));
        }
        case '/edit-comment': {
          const c = this.editComment(Number(body.id), str('body'));
          return new Reply(200, c);
        }
        case '/delete-issue':
          this.deleteIssue(str('repo'), Number(body.issue));
          return new Reply(200, { ok: true });
        case '/approve':
        case '/deny': {
          // `--approve-as <login>`: a `/approve [reason]` comment on the newest open issue (or `issue`).
          const repoName = str('repo');
          const number = body.issue ? Number(body.issue) : this.latestOpenIssue(repoName, body.label as string)?.number;
          if (!number) return new Reply(404, { message: `no open issue in ${repoName}` });
          const text = `${path}${body.reason ? ` ${body.reason}` : ''}`;
          const c = this.postComment(repoName, number, str('user'), text);
          return new Reply(201, this.commentJson(this.repo(repoName), c));
        }
        default:
          return notFound();
      }
    } catch (error) {
      return new Reply(400, { message: (error as Error).message });
    }
  }
}

export async function startGitHubEmulator(options: { port?: number; host?: string; seed?: Seed } = {}) {
  const emulator = new GitHubEmulator();
  if (options.seed) emulator.seed(options.seed);
  await emulator.listen(options.port ?? 0, options.host);
  return emulator;
}
