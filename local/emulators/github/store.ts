/**
 * The GitHub emulator's state: users and their tokens, repositories with roles (the five built-in
 * ones and seedable custom repository roles, each with a base role), teams, issues and comments,
 * and installation tokens scoped to one repository and a set of permissions (what a job's
 * GITHUB_TOKEN is). No HTTP here: routes.ts reads and changes this.
 */
import { randomBytes } from 'node:crypto';

/** The built-in repository roles. */
export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';
export const LEVEL: Record<Permission, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };
export const BUILT_IN_ROLES = Object.keys(LEVEL) as Permission[];

/** GITHUB_TOKEN scopes (`permissions:` keys) and their levels. `metadata: read` is always granted. */
export type TokenScope =
  | 'actions'
  | 'attestations'
  | 'checks'
  | 'contents'
  | 'deployments'
  | 'discussions'
  | 'id-token'
  | 'issues'
  | 'metadata'
  | 'models'
  | 'packages'
  | 'pages'
  | 'pull-requests'
  | 'repository-projects'
  | 'security-events'
  | 'statuses';
export type TokenLevel = 'read' | 'write' | 'none';
export const TOKEN_SCOPES: TokenScope[] = [
  'actions',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'id-token',
  'issues',
  'metadata',
  'models',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
];

export interface UserSeed {
  login: string;
  /** Tokens that authenticate as this user (default: `token-<login>`). */
  tokens?: string[];
  type?: 'User' | 'Bot';
  /** An installation token (GITHUB_TOKEN): cannot read teams or GET /user (403), 1,000 requests/hour. */
  installation?: boolean;
  name?: string;
}
export interface RepoSeed {
  owner: string;
  name: string;
  private?: boolean;
  /** login -> role: a built-in role or the name of a custom role seeded in `roles`. */
  collaborators?: Record<string, string>;
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
/** A custom repository role of an organisation: a name plus the built-in role it extends. */
export interface RoleSeed {
  org: string;
  name: string;
  base: Exclude<Permission, 'none' | 'admin'>;
}
export interface Seed {
  users?: UserSeed[];
  repos?: RepoSeed[];
  teams?: TeamSeed[];
  roles?: RoleSeed[];
}

export interface User {
  id: number;
  login: string;
  type: 'User' | 'Bot';
  name: string | null;
  installation: boolean;
  created_at: string;
}
export interface Comment {
  id: number;
  repo: string;
  issue: number;
  user: string;
  body: string;
  created_at: string;
  updated_at: string;
}
export interface Issue {
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
export interface Repo {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  /** login -> role name (built-in or custom). */
  collaborators: Map<string, string>;
  issues: Map<number, Issue>;
  nextIssue: number;
  created_at: string;
}
export interface Team {
  id: number;
  org: string;
  slug: string;
  name: string;
  created_at: string;
  members: Map<string, { role: 'member' | 'maintainer'; state: 'active' | 'pending' }>;
}
/** What a minted installation token may do: one repository, a set of scopes. */
export interface Installation {
  repository: string;
  permissions: Partial<Record<TokenScope, TokenLevel>>;
  expiresAt: string;
}

export const INSTALLATION_BOT = 'github-actions[bot]';

export class Store {
  readonly users = new Map<string, User>();
  /** token -> login */
  readonly tokens = new Map<string, string>();
  /** Tokens minted by POST /_emulator/tokens, with their scope. */
  readonly installations = new Map<string, Installation>();
  readonly revoked = new Set<string>();
  readonly repos = new Map<string, Repo>();
  readonly teams = new Map<string, Team>();
  readonly comments = new Map<number, Comment>();
  /** `org/name` (lower case) -> base role of a custom repository role. */
  readonly roles = new Map<string, Permission>();
  private nextId = 1000;
  private nextCommentId = 5000;
  /** Milliseconds added to the wall clock (tests move time). */
  timeOffsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.timeOffsetMs);
  }
  /** GitHub timestamps have one-second resolution. */
  stamp(date = this.now()): string {
    return `${date.toISOString().slice(0, 19)}Z`;
  }

  clear(): void {
    for (const map of [this.users, this.tokens, this.installations, this.repos, this.teams, this.comments, this.roles])
      map.clear();
    this.revoked.clear();
    this.timeOffsetMs = 0;
  }

  seed(seed: Seed): void {
    for (const r of seed.roles ?? []) this.addRole(r);
    for (const u of seed.users ?? []) this.addUser(u);
    for (const r of seed.repos ?? []) this.addRepo(r);
    for (const t of seed.teams ?? []) this.addTeam(t);
  }

  addRole(seed: RoleSeed): void {
    if (BUILT_IN_ROLES.includes(seed.name as Permission)) throw new Error(`role ${seed.name} is a built-in role`);
    if (!['read', 'triage', 'write', 'maintain'].includes(seed.base))
      throw new Error(`role ${seed.name}: base ${seed.base}; expected read, triage, write or maintain`);
    this.roles.set(`${seed.org}/${seed.name}`.toLowerCase(), seed.base);
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
    for (const [login, role] of Object.entries(seed.collaborators ?? {})) {
      this.setPermission(`${seed.owner}/${seed.name}`, login, role);
    }
  }

  addTeam(seed: TeamSeed): void {
    const key = `${seed.org}/${seed.slug}`.toLowerCase();
    const team: Team = this.teams.get(key) ?? {
      id: this.nextId++,
      org: seed.org,
      slug: seed.slug,
      name: seed.name ?? seed.slug,
      created_at: this.stamp(),
      members: new Map(),
    };
    this.teams.set(key, team);
    for (const login of seed.members ?? []) this.setMembership(key, login, 'active');
    for (const login of seed.maintainers ?? []) this.setMembership(key, login, 'active', 'maintainer');
    for (const login of seed.pending ?? []) this.setMembership(key, login, 'pending');
  }

  /** A built-in role, or a custom role seeded for the repository's organisation. */
  setPermission(repoName: string, login: string, role: string): void {
    const repo = this.repo(repoName);
    if (!BUILT_IN_ROLES.includes(role as Permission) && !this.roles.has(`${repo.owner}/${role}`.toLowerCase())) {
      throw new Error(
        `role ${role}: not a built-in role (${BUILT_IN_ROLES.join(', ')}) nor a custom role of ${repo.owner}`,
      );
    }
    if (!this.users.has(login.toLowerCase())) this.addUser({ login });
    if (role === 'none') repo.collaborators.delete(login.toLowerCase());
    else repo.collaborators.set(login.toLowerCase(), role);
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

  /** Mints an installation token for one repository (the job's GITHUB_TOKEN), valid for an hour. */
  mintToken(
    repository: string,
    permissions: Partial<Record<TokenScope, TokenLevel>>,
  ): { token: string; expires_at: string } {
    this.repo(repository);
    for (const [scope, level] of Object.entries(permissions)) {
      if (!TOKEN_SCOPES.includes(scope as TokenScope))
        throw new Error(`permissions.${scope}: unknown scope; expected one of ${TOKEN_SCOPES.join(', ')}`);
      if (!['read', 'write', 'none'].includes(level as string))
        throw new Error(`permissions.${scope}: ${String(level)}; expected read, write or none`);
    }
    this.addUser({ login: INSTALLATION_BOT, type: 'Bot', installation: true, tokens: [] });
    const token = `ghs_${randomBytes(18).toString('base64url')}`;
    const expiresAt = this.stamp(new Date(this.now().getTime() + 3600_000));
    this.tokens.set(token, INSTALLATION_BOT);
    this.installations.set(token, { repository: repository.toLowerCase(), permissions, expiresAt });
    return { token, expires_at: expiresAt };
  }

  revokeToken(token: string): void {
    this.revoked.add(token);
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

  createIssue(
    repo: Repo,
    fields: Omit<
      Issue,
      'number' | 'created_at' | 'updated_at' | 'closed_at' | 'closed_by' | 'deleted' | 'state' | 'state_reason'
    >,
  ): Issue {
    const at = this.stamp();
    const issue: Issue = {
      ...fields,
      number: repo.nextIssue++,
      state: 'open',
      state_reason: null,
      created_at: at,
      updated_at: at,
      closed_at: null,
      closed_by: null,
      deleted: false,
    };
    repo.issues.set(issue.number, issue);
    return issue;
  }

  /** Posts a comment as a user (created_at may be given to model the past). */
  postComment(repoName: string, number: number, login: string, body: string, createdAt?: string): Comment {
    const issue = this.issue(repoName, number);
    const user = this.users.get(login.toLowerCase()) ?? this.addUser({ login });
    const at = createdAt ?? this.stamp();
    const comment: Comment = {
      id: this.nextCommentId++,
      repo: repoName.toLowerCase(),
      issue: issue.number,
      user: user.login,
      body,
      created_at: at,
      updated_at: at,
    };
    this.comments.set(comment.id, comment);
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
      .filter((c) => c.repo === repoName.toLowerCase() && c.issue === number)
      .sort((a, b) => a.id - b.id);
  }

  /** The user's role name on the repository: the owner is admin; no role reads as read (public) or none. */
  roleOf(repo: Repo, login: string): string {
    if (login.toLowerCase() === repo.owner.toLowerCase()) return 'admin';
    return repo.collaborators.get(login.toLowerCase()) ?? (repo.private ? 'none' : 'read');
  }

  /** The built-in role that decides what the user may do (a custom role acts as its base role). */
  permissionOf(repo: Repo, login: string): Permission {
    const role = this.roleOf(repo, login);
    return BUILT_IN_ROLES.includes(role as Permission)
      ? (role as Permission)
      : (this.roles.get(`${repo.owner}/${role}`.toLowerCase()) ?? 'none');
  }
}
