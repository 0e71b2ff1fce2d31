/**
 * The REST endpoints the suite uses (approve-gate through Octokit), with GitHub's semantics: private
 * repositories are a 404 to those who cannot see them; assignees without access are dropped;
 * closing or editing someone else's issue needs triage (state) or write (title, body, labels);
 * editing someone else's comment needs write; job tokens are checked against their scopes
 * (access.ts). Each route names its docs page, which error bodies carry as documentation_url.
 */
import { type Caller, checkRepoAccess, checkTeamAccess } from './access.js';
import { error, gone, notFound, Reply, requiresAuth, type Shapes, validation } from './shapes.js';
import { LEVEL, type Repo, type Store, type TokenScope } from './store.js';

const DOCS = 'https://docs.github.com/rest';

export interface Request {
  method: string;
  url: URL;
  body: Record<string, unknown>;
  caller: Caller;
  /** The emulator's base URL, for Link headers. */
  base: string;
}

type Handler = (req: Request, params: string[], repo: Repo) => Reply;

interface RepoRoute {
  method: string;
  /** Path after /repos/{o}/{r}, `:x` for a parameter. */
  pattern: string;
  need: [TokenScope, 'read' | 'write'];
  docs: string;
  handle: Handler;
}

export class Routes {
  private readonly repoRoutes: RepoRoute[];

  constructor(
    private readonly store: Store,
    private readonly shapes: Shapes,
  ) {
    const r = (method: string, pattern: string, need: RepoRoute['need'], docs: string, handle: Handler): RepoRoute => ({
      method,
      pattern,
      need,
      docs: `${DOCS}/${docs}`,
      handle,
    });
    this.repoRoutes = [
      r(
        'GET',
        '',
        ['metadata', 'read'],
        'repos/repos#get-a-repository',
        (_q, _p, repo) => new Reply(200, this.shapes.repo(repo)),
      ),
      r(
        'GET',
        '/collaborators/:u/permission',
        ['metadata', 'read'],
        'collaborators/collaborators#get-repository-permissions-for-a-user',
        (q, p, repo) => this.permission(q, p, repo),
      ),
      r('POST', '/issues', ['issues', 'write'], 'issues/issues#create-an-issue', (q, _p, repo) =>
        this.createIssue(q, repo),
      ),
      r('GET', '/issues', ['issues', 'read'], 'issues/issues#list-repository-issues', (q, _p, repo) =>
        this.listIssues(q, repo),
      ),
      r('GET', '/issues/comments/:id', ['issues', 'read'], 'issues/comments#get-an-issue-comment', (q, p, repo) =>
        this.comment(q, p, repo),
      ),
      r('PATCH', '/issues/comments/:id', ['issues', 'write'], 'issues/comments#update-an-issue-comment', (q, p, repo) =>
        this.comment(q, p, repo),
      ),
      r(
        'DELETE',
        '/issues/comments/:id',
        ['issues', 'write'],
        'issues/comments#delete-an-issue-comment',
        (q, p, repo) => this.comment(q, p, repo),
      ),
      r('GET', '/issues/:n', ['issues', 'read'], 'issues/issues#get-an-issue', (q, p, repo) => this.issue(q, p, repo)),
      r('PATCH', '/issues/:n', ['issues', 'write'], 'issues/issues#update-an-issue', (q, p, repo) =>
        this.issue(q, p, repo),
      ),
      r('GET', '/issues/:n/comments', ['issues', 'read'], 'issues/comments#list-issue-comments', (q, p, repo) =>
        this.issue(q, p, repo),
      ),
      r('POST', '/issues/:n/comments', ['issues', 'write'], 'issues/comments#create-an-issue-comment', (q, p, repo) =>
        this.issue(q, p, repo),
      ),
    ];
  }

  handle(req: Request): Reply {
    const parts = (req.url.pathname.replace(/\/+$/, '') || '/').split('/').slice(1).map(decodeURIComponent);
    const { caller, method } = req;
    if (method === 'GET' && parts.join('/') === 'user') {
      const docs = `${DOCS}/users/users#get-the-authenticated-user`;
      if (!caller.login) return error(401, 'Requires authentication', docs);
      if (caller.installation) return error(403, 'Resource not accessible by integration', docs);
      return new Reply(200, this.shapes.publicUser(caller.login));
    }
    if (method === 'GET' && parts[0] === 'users' && parts.length === 2) {
      const u = this.store.users.get(parts[1]!.toLowerCase());
      return u ? new Reply(200, this.shapes.publicUser(u.login)) : notFound(`${DOCS}/users/users#get-a-user`);
    }
    if (method === 'GET' && parts[0] === 'orgs' && parts[2] === 'teams') return this.teams(req, parts);
    if (parts[0] !== 'repos' || parts.length < 3) return notFound();

    const repo = this.store.repos.get(`${parts[1]}/${parts[2]}`.toLowerCase());
    const rest = parts.slice(3);
    const match = this.repoRoutes
      .map((route) => ({ route, params: this.match(route, method, rest) }))
      .find((m) => m.params !== undefined);
    const docs = match?.route.docs ?? DOCS;
    const own = repo && caller.scope?.repository === `${repo.owner}/${repo.name}`.toLowerCase();
    const visible =
      repo && (!repo.private || own || (caller.login && this.store.permissionOf(repo, caller.login) !== 'none'));
    if (!repo || !visible) return notFound(docs);
    if (!match) return notFound();
    if (match.route.method !== 'GET' && !caller.login) return requiresAuth();
    const denied = checkRepoAccess(caller, repo, match.route.need, docs);
    if (denied) return denied;
    return match.route.handle(req, match.params!, repo);
  }

  private match(route: RepoRoute, method: string, rest: string[]): string[] | undefined {
    if (route.method !== method) return undefined;
    const want = route.pattern.split('/').slice(1);
    if (want.length !== rest.length) return undefined;
    const params: string[] = [];
    for (const [i, w] of want.entries()) {
      if (w.startsWith(':')) {
        if ((w === ':n' || w === ':id') && !/^\d+$/.test(rest[i]!)) return undefined;
        params.push(rest[i]!);
      } else if (w !== rest[i]) return undefined;
    }
    return params;
  }

  private permission(_req: Request, [username]: string[], repo: Repo): Reply {
    const user = this.store.users.get(username!.toLowerCase());
    if (!user) return notFound(`${DOCS}/collaborators/collaborators#get-repository-permissions-for-a-user`);
    return new Reply(200, this.shapes.collaboratorPermission(repo, user.login));
  }

  private createIssue(req: Request, repo: Repo): Reply {
    const { body } = req;
    const docs = `${DOCS}/issues/issues#create-an-issue`;
    if (typeof body.title !== 'string' || !body.title) return validation('Issue', 'title', 'missing_field', docs);
    const assignees = (body.assignees as string[] | undefined) ?? [];
    if (assignees.length > 10) return validation('Issue', 'assignees', 'invalid', docs);
    for (const a of assignees)
      if (!this.store.users.has(a.toLowerCase())) return validation('Issue', 'assignees', 'invalid', docs);
    const issue = this.store.createIssue(repo, {
      title: body.title,
      body: (body.body as string | undefined) ?? null,
      user: req.caller.login!,
      labels: ((body.labels as string[] | undefined) ?? []).map(String),
      // GitHub silently drops assignees who cannot be assigned (no access to the repository).
      assignees: assignees
        .filter((a) => LEVEL[this.store.permissionOf(repo, a)] >= LEVEL.read)
        .map((a) => this.store.users.get(a.toLowerCase())!.login),
    });
    return new Reply(201, this.shapes.issue(repo, issue), {
      location: `${req.base}/repos/${repo.owner}/${repo.name}/issues/${issue.number}`,
    });
  }

  private listIssues(req: Request, repo: Repo): Reply {
    const state = req.url.searchParams.get('state') ?? 'open';
    const issues = [...repo.issues.values()]
      .filter((i) => !i.deleted && (state === 'all' || i.state === state))
      .sort((a, b) => b.number - a.number)
      .map((i) => this.shapes.issue(repo, i));
    return this.paginate(req, issues);
  }

  private comment(req: Request, [id]: string[], repo: Repo): Reply {
    const docs = `${DOCS}/issues/comments`;
    const comment = this.store.comments.get(Number(id));
    if (!comment || comment.repo !== `${repo.owner}/${repo.name}`.toLowerCase()) return notFound(docs);
    if (req.method === 'GET') return new Reply(200, this.shapes.comment(repo, comment));
    const login = req.caller.login!;
    const mayModerate = LEVEL[this.store.permissionOf(repo, login)] >= LEVEL.write;
    if (comment.user.toLowerCase() !== login.toLowerCase() && !mayModerate && !req.caller.scope)
      return error(403, 'Must have admin rights to Repository.', docs);
    if (req.method === 'PATCH') {
      if (typeof req.body.body !== 'string') return validation('IssueComment', 'body', 'missing_field', docs);
      return new Reply(200, this.shapes.comment(repo, this.store.editComment(comment.id, req.body.body)));
    }
    this.store.comments.delete(comment.id);
    return new Reply(204, undefined);
  }

  private issue(req: Request, [n]: string[], repo: Repo): Reply {
    const issue = repo.issues.get(Number(n));
    const full = `${repo.owner}/${repo.name}`;
    if (!issue) return notFound(`${DOCS}/issues/issues#get-an-issue`);
    if (issue.deleted) return gone();
    const comments = req.url.pathname.replace(/\/+$/, '').endsWith('/comments');
    if (req.method === 'GET' && !comments) return new Reply(200, this.shapes.issue(repo, issue));
    if (req.method === 'PATCH') return this.updateIssue(req, repo);
    if (req.method === 'GET') {
      let list = this.store.commentsOf(full, issue.number);
      const since = req.url.searchParams.get('since');
      if (since) {
        const t = Date.parse(since);
        if (Number.isNaN(t)) return validation('IssueComment', 'since', 'invalid', `${DOCS}/issues/comments`);
        list = list.filter((c) => Date.parse(c.updated_at) >= t);
      }
      return this.paginate(
        req,
        list.map((c) => this.shapes.comment(repo, c)),
      );
    }
    const { body } = req;
    if (typeof body.body !== 'string' || !body.body)
      return validation('IssueComment', 'body', 'missing_field', `${DOCS}/issues/comments#create-an-issue-comment`);
    return new Reply(
      201,
      this.shapes.comment(repo, this.store.postComment(full, issue.number, req.caller.login!, body.body)),
    );
  }

  /**
   * PATCH an issue. The author may close, reopen and edit their own issue; others need triage to
   * change its state or labels and write to change its title or body (GitHub's repository roles,
   * https://docs.github.com/organizations/managing-user-access-to-your-organizations-repositories/managing-repository-roles/repository-roles-for-an-organization).
   * A job token's `issues: write` is enough for all of it.
   */
  private updateIssue(req: Request, repo: Repo): Reply {
    const docs = `${DOCS}/issues/issues#update-an-issue`;
    const issue = repo.issues.get(Number(req.url.pathname.split('/')[5]))!;
    const { body, caller } = req;
    const login = caller.login!;
    const own = issue.user.toLowerCase() === login.toLowerCase();
    const level = caller.scope ? LEVEL.write : LEVEL[this.store.permissionOf(repo, login)];
    const changesState = body.state !== undefined || Array.isArray(body.labels);
    const changesText = typeof body.title === 'string' || typeof body.body === 'string';
    if (!own && ((changesState && level < LEVEL.triage) || (changesText && level < LEVEL.write)))
      return error(403, 'Must have admin rights to Repository.', docs);
    if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed')
      return validation('Issue', 'state', 'invalid', docs);
    if (body.state === 'closed' && issue.state === 'open') {
      issue.state = 'closed';
      issue.closed_at = this.store.stamp();
      issue.closed_by = login;
      issue.state_reason = (body.state_reason as string | undefined) ?? 'completed';
    } else if (body.state === 'open' && issue.state === 'closed') {
      issue.state = 'open';
      issue.closed_at = null;
      issue.closed_by = null;
      issue.state_reason = 'reopened';
    }
    if (typeof body.title === 'string') issue.title = body.title;
    if (typeof body.body === 'string') issue.body = body.body;
    if (Array.isArray(body.labels)) issue.labels = body.labels.map(String);
    issue.updated_at = this.store.stamp();
    return new Reply(200, this.shapes.issue(repo, issue));
  }

  private teams(req: Request, parts: string[]): Reply {
    const team = this.store.teams.get(`${parts[1]}/${parts[3]}`.toLowerCase());
    const docs =
      parts.length === 4
        ? `${DOCS}/teams/teams#get-a-team-by-name`
        : parts[4] === 'members'
          ? `${DOCS}/teams/members#list-team-members`
          : `${DOCS}/teams/members#get-team-membership-for-a-user`;
    if (!team || parts.length < 4) return notFound(docs);
    const denied = checkTeamAccess(req.caller, docs);
    if (denied) return denied;
    if (parts.length === 4) return new Reply(200, this.shapes.team(team));
    if (parts.length === 5 && parts[4] === 'members') {
      const members = [...team.members.entries()]
        .filter(([, m]) => m.state === 'active')
        .map(([l]) => this.shapes.user(l));
      return this.paginate(req, members);
    }
    if (parts.length === 6 && parts[4] === 'memberships') {
      const m = team.members.get(parts[5]!.toLowerCase());
      if (!m) return notFound(docs);
      return new Reply(200, {
        url: `${req.base}/organizations/${team.org}/team/${team.id}/memberships/${parts[5]}`,
        role: m.role,
        state: m.state,
      });
    }
    return notFound(docs);
  }

  /** `per_page` (default 30, at most 100) and `page`, with a Link header as GitHub writes it. */
  private paginate(req: Request, items: unknown[]): Reply {
    const { url } = req;
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const link = (n: number, rel: string) => {
      const u = new URL(`${req.base}${url.pathname}${url.search}`);
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
}
