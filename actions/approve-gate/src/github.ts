/**
 * The GitHub calls of the gate, through Octokit: retries on 5xx, 429 and rate limits (secondary:
 * Retry-After; primary: x-ratelimit-reset), conditional GETs (ETag / If-None-Match, a 304 costs no
 * rate limit), Link pagination, and precise messages for a revoked token or a deleted issue.
 */
import * as core from '@actions/core';
import type { getOctokit } from '@actions/github';
import { type Clock, systemClock } from '../../../shared/clock.js';
import { errorCode } from '../../../shared/errors.js';
import { info } from '../../../shared/log.js';
import { isTransientCode, isTransientStatus, parseRetryAfter, retry } from '../../../shared/retry.js';
import type { IssueComment, Permission } from './decision.js';

type Octokit = ReturnType<typeof getOctokit>;

interface RequestErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: { message?: string } };
}

/** A failure the gate cannot wait out. */
export class FatalApiError extends Error {
  override name = 'FatalApiError';
}

export const statusOf = (e: unknown): number | undefined => (e as RequestErrorLike)?.status;
const headerOf = (e: unknown, name: string) => (e as RequestErrorLike)?.response?.headers?.[name];
const apiMessage = (e: unknown) => (e as RequestErrorLike)?.response?.data?.message ?? (e as Error)?.message ?? '';

export function isRateLimited(e: unknown): 'secondary' | 'primary' | undefined {
  const status = statusOf(e);
  if (status === 429) return 'secondary';
  if (status !== 403) return undefined;
  if (headerOf(e, 'retry-after') || /secondary rate limit/i.test(apiMessage(e))) return 'secondary';
  if (headerOf(e, 'x-ratelimit-remaining') === '0') return 'primary';
  return undefined;
}

export const isRetryableApiError = (e: unknown): boolean => {
  const status = statusOf(e);
  if (status !== undefined) return isTransientStatus(status) || isRateLimited(e) !== undefined;
  return isTransientCode(errorCode(e));
};

/** Retry-After (seconds or an HTTP date), else GitHub's rate-limit reset, else its one-minute rule. */
export function retryAfterMs(e: unknown, now = Date.now()): number | undefined {
  const after = parseRetryAfter(headerOf(e, 'retry-after'), now);
  if (after !== undefined) return after;
  if (isRateLimited(e) === 'primary') {
    const reset = Number(headerOf(e, 'x-ratelimit-reset'));
    if (reset) return Math.max(1000, reset * 1000 - now + 1000);
  }
  if (isRateLimited(e) === 'secondary') return 60_000; // GitHub: wait at least a minute without a header
  return undefined;
}

export interface ApiCounters {
  requests: number;
  notModified: number;
  rateLimited: number;
  retries: number;
}

export interface GateApi {
  counters: ApiCounters;
  createIssue(params: { title: string; body: string; assignees: string[]; labels: string[] }): Promise<{
    number: number;
    url: string;
    createdAt: string;
    author: string;
  }>;
  /** Every comment posted or edited since the request; `changed` is false when nothing new was seen. */
  comments(): Promise<{ changed: boolean; comments: IssueComment[] }>;
  /** The issue's state, cheaply (conditional). */
  issueState(): Promise<{ state: string; closedBy?: string }>;
  permission(login: string): Promise<Permission>;
  isTeamMember(team: string, login: string): Promise<boolean>;
  checkTeam(team: string): Promise<void>;
  comment(body: string): Promise<void>;
  close(reason: 'completed' | 'not_planned'): Promise<void>;
}

export interface GitHubGateOptions {
  owner: string;
  repo: string;
  clock?: Clock;
  /** Retry budget per call (attempts) and the longest backoff. */
  attempts?: number;
  maxDelayMs?: number;
  deadline?: () => number | undefined;
}

const TEAM_TOKEN_HINT =
  'team lookups need a token that can read organization members: the default GITHUB_TOKEN cannot; use a GitHub App installation token with "Members: read" or a personal access token with read:org';

export function createGateApi(
  octokit: Octokit,
  options: GitHubGateOptions,
): GateApi & { bind(issue: number, since: string): void } {
  const { owner, repo } = options;
  const clock = options.clock ?? systemClock;
  const counters: ApiCounters = { requests: 0, notModified: 0, rateLimited: 0, retries: 0 };
  let issueNumber = 0;
  let since = '';
  /** Conditional-request cache: URL -> ETag and what it answered. */
  const cache = new Map<string, { etag: string; data: unknown; next: boolean }>();
  const known = new Map<number, IssueComment>();

  async function call<T>(label: string, fn: () => Promise<T>): Promise<T> {
    return retry(
      async () => {
        counters.requests++;
        try {
          return await fn();
        } catch (error) {
          if (isRateLimited(error)) counters.rateLimited++;
          throw fail(label, error);
        }
      },
      {
        label,
        attempts: options.attempts ?? 6,
        baseDelayMs: 1000,
        maxDelayMs: options.maxDelayMs ?? 60_000,
        clock,
        deadline: options.deadline?.(),
        isRetryable: (e) => !(e instanceof FatalApiError) && isRetryableApiError(e),
        retryAfterMs: (e) => retryAfterMs(e, clock.now()),
        onRetry: ({ attempt, delayMs, error }) => {
          counters.retries++;
          const kind = isRateLimited(error);
          const what = kind ? `${kind} rate limit` : `${statusOf(error) ?? errorCode(error) ?? 'error'}`;
          info(`${label}: ${what} (attempt ${attempt}); retrying in ${Math.round(delayMs / 100) / 10}s`);
        },
      },
    );
  }

  /** Turns statuses that no retry can fix into messages that say what happened. */
  function fail(label: string, error: unknown): unknown {
    const status = statusOf(error);
    if (status === 401) {
      return new FatalApiError(
        `token: ${label}: GitHub rejected the token (401 ${apiMessage(error) || 'Bad credentials'}): it was revoked or has expired`,
      );
    }
    if (status === 410 || (status === 404 && issueNumber && label.includes(`#${issueNumber}`))) {
      return new FatalApiError(
        `${label}: approval issue #${issueNumber} in ${owner}/${repo} was deleted (or transferred) while waiting (${status} ${apiMessage(error)}); no decision was made`,
      );
    }
    return error;
  }

  /** A GET that sends If-None-Match when it has an ETag; a 304 answers from the cache. */
  async function conditional(label: string, route: string, params: Record<string, unknown>) {
    const key = `${route} ${JSON.stringify(params)}`;
    const cached = cache.get(key);
    return call(label, async () => {
      try {
        const response = await octokit.request(route, {
          ...params,
          headers: cached ? { 'if-none-match': cached.etag } : {},
        });
        const link = String(response.headers.link ?? '');
        const entry = {
          etag: String(response.headers.etag ?? ''),
          data: response.data as unknown,
          next: /rel="next"/.test(link),
        };
        if (entry.etag) cache.set(key, entry);
        return { changed: true, data: entry.data, next: entry.next };
      } catch (error) {
        if (statusOf(error) === 304 && cached) {
          counters.notModified++;
          return { changed: false, data: cached.data, next: cached.next };
        }
        throw error;
      }
    });
  }

  return {
    counters,
    bind(issue: number, createdAt: string) {
      issueNumber = issue;
      since = createdAt;
    },
    async createIssue({ title, body, assignees, labels }) {
      const create = (who: string[]) =>
        call(`create the approval issue in ${owner}/${repo}`, () =>
          octokit.rest.issues.create({ owner, repo, title, body, assignees: who, labels }),
        );
      let response: Awaited<ReturnType<typeof create>>;
      try {
        response = await create(assignees.slice(0, 10));
      } catch (error) {
        if (statusOf(error) !== 422 || assignees.length === 0) throw error;
        core.warning(
          `Could not assign ${assignees.join(', ')} (${apiMessage(error)}); opening the issue without assignees`,
        );
        response = await create([]);
      }
      const issue = response.data;
      issueNumber = issue.number;
      since = issue.created_at;
      return {
        number: issue.number,
        url: issue.html_url,
        createdAt: issue.created_at,
        author: issue.user?.login ?? '',
      };
    },
    async comments() {
      let changed = false;
      // Walks every page; unchanged pages are 304s (free). When many pages pile up, the `since`
      // cursor moves to the newest update seen, so later polls stay at one page.
      let page = 1;
      let pages = 0;
      for (;;) {
        const result = await conditional(
          `list comments of #${issueNumber}`,
          'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
          {
            owner,
            repo,
            issue_number: issueNumber,
            since,
            per_page: 100,
            page,
          },
        );
        pages++;
        if (result.changed) {
          changed = true;
          for (const c of result.data as {
            id: number;
            body?: string;
            user: { login: string } | null;
            created_at: string;
            updated_at: string;
            html_url: string;
          }[]) {
            known.set(c.id, {
              id: c.id,
              login: c.user?.login ?? 'ghost',
              body: c.body ?? '',
              createdAt: c.created_at,
              updatedAt: c.updated_at,
              url: c.html_url,
            });
          }
        }
        if (!result.next) break;
        page++;
      }
      if (pages > 2) {
        const newest = [...known.values()]
          .map((c) => c.updatedAt)
          .sort()
          .pop();
        if (newest && newest > since) {
          since = newest;
          cache.clear();
        }
      }
      return { changed, comments: [...known.values()] };
    },
    async issueState() {
      const result = await conditional(
        `read issue #${issueNumber}`,
        'GET /repos/{owner}/{repo}/issues/{issue_number}',
        {
          owner,
          repo,
          issue_number: issueNumber,
        },
      );
      const data = result.data as { state: string; closed_by?: { login: string } | null };
      return { state: data.state, closedBy: data.closed_by?.login };
    },
    async permission(login) {
      try {
        const { data } = await call(`read the permission of ${login}`, () =>
          octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: login }),
        );
        return ((data as { role_name?: string }).role_name ?? data.permission) as Permission;
      } catch (error) {
        if (statusOf(error) === 404) return 'none';
        throw error;
      }
    },
    async isTeamMember(team, login) {
      const [org, slug] = team.split('/') as [string, string];
      try {
        const { data } = await call(`read the membership of ${login} in ${team}`, () =>
          octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: login }),
        );
        return data.state === 'active';
      } catch (error) {
        if (statusOf(error) === 404) return false;
        if (statusOf(error) === 403)
          throw new FatalApiError(
            `read the membership of ${login} in ${team}: 403 ${apiMessage(error)}; ${TEAM_TOKEN_HINT}`,
          );
        throw error;
      }
    },
    async checkTeam(team) {
      const [org, slug] = team.split('/') as [string, string];
      try {
        await call(`read team ${team}`, () => octokit.rest.teams.getByName({ org, team_slug: slug }));
      } catch (error) {
        const status = statusOf(error);
        if (status === 404)
          throw new FatalApiError(`team ${team} was not found, or the token cannot see it (404); ${TEAM_TOKEN_HINT}`);
        if (status === 403) throw new FatalApiError(`team ${team}: 403 ${apiMessage(error)}; ${TEAM_TOKEN_HINT}`);
        throw error;
      }
    },
    async comment(body) {
      await call(`comment on #${issueNumber}`, () =>
        octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body }),
      );
    },
    async close(reason) {
      await call(`close #${issueNumber}`, () =>
        octokit.rest.issues.update({ owner, repo, issue_number: issueNumber, state: 'closed', state_reason: reason }),
      );
    },
  };
}
