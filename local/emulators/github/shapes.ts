/**
 * What the GitHub emulator answers: a Reply (status, body, headers), GitHub's error bodies (every
 * error has `documentation_url` and `status`, as github.com writes them), and the JSON shapes of
 * users, repositories, issues, comments and teams with every member that GitHub's OpenAPI
 * description (`@octokit/openapi`) requires; __tests__/openapi.int.test.ts holds them to it.
 */
import type { Comment, Issue, Repo, Store, Team } from './store.js';

export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

const DOCS = 'https://docs.github.com/rest';

/** GitHub's error body: message, documentation_url and the status as a string. */
export function error(status: number, message: string, docs = DOCS, headers: Record<string, string> = {}): Reply {
  return new Reply(status, { message, documentation_url: docs, status: String(status) }, headers);
}

export const notFound = (docs = DOCS) => error(404, 'Not Found', docs);
export const gone = () => error(410, 'This issue was deleted', `${DOCS}/issues/issues#get-an-issue`);
export const requiresAuth = () => error(401, 'Requires authentication', DOCS);
export const badCredentials = () => error(401, 'Bad credentials', DOCS);
/** A GITHUB_TOKEN (installation token) without the scope an endpoint needs. */
export const notAccessible = (docs: string) => error(403, 'Resource not accessible by integration', docs);
export function validation(resource: string, field: string, code = 'invalid', docs = DOCS): Reply {
  return new Reply(422, {
    message: 'Validation Failed',
    errors: [{ resource, field, code }],
    documentation_url: docs,
    status: '422',
  });
}

/** Builds the JSON bodies; `base` is the emulator's URL (what GitHub calls api.github.com). */
export class Shapes {
  constructor(
    private readonly store: Store,
    private readonly base: () => string,
  ) {}

  user(login: string) {
    const u = this.store.users.get(login.toLowerCase());
    const l = u?.login ?? login;
    const api = `${this.base()}/users/${encodeURIComponent(l)}`;
    return {
      login: l,
      id: u?.id ?? 0,
      node_id: `U_${u?.id ?? 0}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${u?.id ?? 0}?v=4`,
      gravatar_id: '',
      url: api,
      html_url: `https://github.com/${l}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: u?.type ?? 'User',
      user_view_type: 'public',
      site_admin: false,
    };
  }

  /** GET /users/{u}: the public profile. */
  publicUser(login: string) {
    const u = this.store.users.get(login.toLowerCase());
    const at = u?.created_at ?? this.store.stamp();
    return {
      ...this.user(login),
      name: u?.name ?? null,
      company: null,
      blog: '',
      location: null,
      email: null,
      hireable: null,
      bio: null,
      twitter_username: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: at,
      updated_at: at,
    };
  }

  repo(repo: Repo) {
    const full = `${repo.owner}/${repo.name}`;
    const api = `${this.base()}/repos/${full}`;
    const open = [...repo.issues.values()].filter((i) => i.state === 'open' && !i.deleted).length;
    const urls = Object.fromEntries(
      (
        [
          ['archive_url', '/{archive_format}{/ref}'],
          ['assignees_url', '/assignees{/user}'],
          ['blobs_url', '/git/blobs{/sha}'],
          ['branches_url', '/branches{/branch}'],
          ['collaborators_url', '/collaborators{/collaborator}'],
          ['comments_url', '/comments{/number}'],
          ['commits_url', '/commits{/sha}'],
          ['compare_url', '/compare/{base}...{head}'],
          ['contents_url', '/contents/{+path}'],
          ['contributors_url', '/contributors'],
          ['deployments_url', '/deployments'],
          ['downloads_url', '/downloads'],
          ['events_url', '/events'],
          ['forks_url', '/forks'],
          ['git_commits_url', '/git/commits{/sha}'],
          ['git_refs_url', '/git/refs{/sha}'],
          ['git_tags_url', '/git/tags{/sha}'],
          ['hooks_url', '/hooks'],
          ['issue_comment_url', '/issues/comments{/number}'],
          ['issue_events_url', '/issues/events{/number}'],
          ['issues_url', '/issues{/number}'],
          ['keys_url', '/keys{/key_id}'],
          ['labels_url', '/labels{/name}'],
          ['languages_url', '/languages'],
          ['merges_url', '/merges'],
          ['milestones_url', '/milestones{/number}'],
          ['notifications_url', '/notifications{?since,all,participating}'],
          ['pulls_url', '/pulls{/number}'],
          ['releases_url', '/releases{/id}'],
          ['stargazers_url', '/stargazers'],
          ['statuses_url', '/statuses/{sha}'],
          ['subscribers_url', '/subscribers'],
          ['subscription_url', '/subscription'],
          ['tags_url', '/tags'],
          ['teams_url', '/teams'],
          ['trees_url', '/git/trees{/sha}'],
        ] as const
      ).map(([k, suffix]) => [k, `${api}${suffix}`]),
    );
    return {
      id: repo.id,
      node_id: `R_${repo.id}`,
      name: repo.name,
      full_name: full,
      owner: this.user(repo.owner),
      private: repo.private,
      visibility: repo.private ? 'private' : 'public',
      html_url: `https://github.com/${full}`,
      description: null,
      fork: false,
      url: api,
      ...urls,
      git_url: `git://github.com/${full}.git`,
      ssh_url: `git@github.com:${full}.git`,
      clone_url: `https://github.com/${full}.git`,
      svn_url: `https://github.com/${full}`,
      mirror_url: null,
      homepage: null,
      language: null,
      size: 0,
      default_branch: 'main',
      forks: 0,
      forks_count: 0,
      stargazers_count: 0,
      watchers: 0,
      watchers_count: 0,
      open_issues: open,
      open_issues_count: open,
      network_count: 0,
      subscribers_count: 0,
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_discussions: false,
      archived: false,
      disabled: false,
      license: null,
      topics: [],
      created_at: repo.created_at,
      updated_at: repo.created_at,
      pushed_at: repo.created_at,
    };
  }

  issue(repo: Repo, issue: Issue) {
    const repoApi = `${this.base()}/repos/${repo.owner}/${repo.name}`;
    const api = `${repoApi}/issues/${issue.number}`;
    return {
      id: repo.id * 100000 + issue.number,
      node_id: `I_${repo.id}_${issue.number}`,
      number: issue.number,
      url: api,
      repository_url: repoApi,
      labels_url: `${api}/labels{/name}`,
      comments_url: `${api}/comments`,
      events_url: `${api}/events`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/issues/${issue.number}`,
      title: issue.title,
      body: issue.body,
      user: this.user(issue.user),
      state: issue.state,
      state_reason: issue.state_reason,
      labels: issue.labels.map((name, i) => ({
        id: i + 1,
        node_id: `LA_${i + 1}`,
        url: `${repoApi}/labels/${encodeURIComponent(name)}`,
        name,
        description: null,
        color: 'ededed',
        default: false,
      })),
      assignee: issue.assignees[0] ? this.user(issue.assignees[0]) : null,
      assignees: issue.assignees.map((a) => this.user(a)),
      milestone: null,
      comments: this.store.commentsOf(`${repo.owner}/${repo.name}`, issue.number).length,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      closed_at: issue.closed_at,
      closed_by: issue.closed_by ? this.user(issue.closed_by) : null,
      locked: false,
      active_lock_reason: null,
      author_association: this.association(repo, issue.user),
    };
  }

  comment(repo: Repo, comment: Comment) {
    const repoApi = `${this.base()}/repos/${repo.owner}/${repo.name}`;
    return {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      url: `${repoApi}/issues/comments/${comment.id}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/issues/${comment.issue}#issuecomment-${comment.id}`,
      issue_url: `${repoApi}/issues/${comment.issue}`,
      body: comment.body,
      user: this.user(comment.user),
      created_at: comment.created_at,
      updated_at: comment.updated_at,
      author_association: this.association(repo, comment.user),
    };
  }

  /** GitHub's author_association: OWNER, COLLABORATOR (has a role) or NONE. */
  private association(repo: Repo, login: string): 'OWNER' | 'COLLABORATOR' | 'NONE' {
    if (login.toLowerCase() === repo.owner.toLowerCase()) return 'OWNER';
    return repo.collaborators.has(login.toLowerCase()) ? 'COLLABORATOR' : 'NONE';
  }

  /** GET /repos/{o}/{r}/collaborators/{u}/permission: legacy permission plus role_name (custom roles by name). */
  collaboratorPermission(repo: Repo, login: string) {
    const role = this.store.roleOf(repo, login);
    const base = this.store.permissionOf(repo, login);
    const legacy = base === 'maintain' ? 'write' : base === 'triage' ? 'read' : base;
    const level = (p: string) => ['read', 'triage', 'write', 'maintain', 'admin'].indexOf(p);
    const at = (p: string) => level(base) >= level(p);
    return {
      permission: legacy,
      role_name: role,
      user: {
        ...this.user(login),
        permissions: {
          admin: at('admin'),
          maintain: at('maintain'),
          push: at('write'),
          triage: at('triage'),
          pull: at('read'),
        },
        role_name: role,
      },
    };
  }

  team(team: Team) {
    const api = `${this.base()}/organizations/${team.org}/team/${team.id}`;
    const members = [...team.members.values()].filter((m) => m.state === 'active').length;
    return {
      id: team.id,
      node_id: `T_${team.id}`,
      url: api,
      html_url: `https://github.com/orgs/${team.org}/teams/${team.slug}`,
      name: team.name,
      slug: team.slug,
      description: null,
      privacy: 'closed',
      notification_setting: 'notifications_enabled',
      permission: 'pull',
      members_url: `${api}/members{/member}`,
      repositories_url: `${api}/repos`,
      parent: null,
      members_count: members,
      repos_count: 0,
      created_at: team.created_at,
      updated_at: team.created_at,
      type: 'organization',
      organization: this.organization(team.org, team.created_at),
    };
  }

  private organization(login: string, at: string) {
    const api = `${this.base()}/orgs/${login}`;
    return {
      login,
      id: 1,
      node_id: 'O_1',
      url: api,
      repos_url: `${api}/repos`,
      events_url: `${api}/events`,
      hooks_url: `${api}/hooks`,
      issues_url: `${api}/issues`,
      members_url: `${api}/members{/member}`,
      public_members_url: `${api}/public_members{/member}`,
      avatar_url: 'https://avatars.githubusercontent.com/u/1?v=4',
      description: null,
      html_url: `https://github.com/${login}`,
      name: login,
      has_organization_projects: true,
      has_repository_projects: true,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      type: 'Organization',
      created_at: at,
      updated_at: at,
      archived_at: null,
    };
  }
}
