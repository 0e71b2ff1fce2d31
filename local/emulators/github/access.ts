/**
 * Who may call what. A caller is anonymous, a user token, a seeded installation token (an
 * installation without recorded permissions), or a minted job token (POST /_emulator/tokens: one
 * repository, `permissions:` scopes). GitHub's rules that change outcomes:
 * - installation tokens cannot call GET /user, nor read organisation teams (403 "Resource not
 *   accessible by integration"), see https://docs.github.com/rest/overview/endpoints-available-for-github-app-installation-access-tokens;
 * - a job token reaches only its own repository (others: 404 when private, 403 for writes when public)
 *   and, there, only what its scopes grant; `metadata: read` is always granted
 *   (https://docs.github.com/actions/security-for-github-actions/security-guides/automatic-token-authentication#permissions-for-the-github_token).
 */
import { notAccessible, notFound, Reply } from './shapes.js';
import type { Installation, Repo, Store, TokenLevel, TokenScope } from './store.js';

export interface Caller {
  token?: string;
  login?: string;
  /** A GITHUB_TOKEN-like installation token (seeded `installation: true` or minted). */
  installation: boolean;
  /** Set for minted job tokens. */
  scope?: Installation;
}

export function callerOf(store: Store, token: string | undefined): Caller {
  if (!token) return { installation: false };
  const login = store.tokens.get(token);
  const scope = store.installations.get(token);
  const installation =
    scope !== undefined || (login ? (store.users.get(login.toLowerCase())?.installation ?? false) : false);
  return { token, login, installation, scope };
}

const RANK: Record<TokenLevel, number> = { none: 0, read: 1, write: 2 };

/** What a minted token's scopes grant; metadata read always. */
export function grants(scope: Installation, need: TokenScope, level: 'read' | 'write'): boolean {
  const have = need === 'metadata' ? 'read' : (scope.permissions[need] ?? 'none');
  return RANK[have] >= RANK[level];
}

/**
 * Checks a minted token against an endpoint on a repository: its repository and its scope.
 * Undefined when allowed; a 404 or GitHub's 403 otherwise.
 */
export function checkRepoAccess(
  caller: Caller,
  repo: Repo,
  need: [TokenScope, 'read' | 'write'],
  docs: string,
): Reply | undefined {
  const scope = caller.scope;
  if (!scope) return undefined;
  const own = scope.repository === `${repo.owner}/${repo.name}`.toLowerCase();
  if (!own) {
    if (repo.private) return notFound(docs);
    return need[1] === 'write' ? notAccessible(docs) : undefined;
  }
  return grants(scope, need[0], need[1]) ? undefined : notAccessible(docs);
}

/** Team endpoints: installation tokens cannot read organisation teams. */
export function checkTeamAccess(caller: Caller, docs: string): Reply | undefined {
  if (!caller.login)
    return new Reply(401, { message: 'Requires authentication', documentation_url: docs, status: '401' });
  return caller.installation ? notAccessible(docs) : undefined;
}
