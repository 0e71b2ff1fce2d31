/**
 * A local GitHub REST API emulator: the endpoints the suite uses, with GitHub's semantics where they
 * matter to a client (token auth and job-token scopes, ETag / If-None-Match / 304, x-ratelimit-*
 * headers and the documented primary and secondary limits, Link pagination, `since` on comments,
 * 5xx, deleted issues, revoked tokens). The unmodified Octokit talks to it through GITHUB_API_URL.
 * This module is the HTTP front: store.ts (state), access.ts (who may call what), limits.ts,
 * routes.ts (the endpoints), shapes.ts (bodies), control.ts (/_emulator/...). README.md lists
 * what differs from GitHub.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callerOf } from './access.js';
import { control } from './control.js';
import { type FaultSpec, Limits, RATE_LIMIT_DOCS, SECONDARY_MESSAGE, type Window } from './limits.js';
import { Routes } from './routes.js';
import { badCredentials, error, Reply, Shapes } from './shapes.js';
import { type Seed, Store } from './store.js';

export type { FaultSpec } from './limits.js';
export type { Permission, RepoSeed, RoleSeed, Seed, TeamSeed, TokenLevel, TokenScope, UserSeed } from './store.js';

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

export class GitHubEmulator extends Store {
  readonly log: RequestRecord[] = [];
  readonly limits = new Limits(() => this.now().getTime());
  readonly shapes = new Shapes(this, () => this.url);
  private readonly routes = new Routes(this, this.shapes);
  private server?: Server;
  url = '';

  get faults(): FaultSpec[] {
    return this.limits.faults;
  }
  /** The primary limit of a user token (5,000 on GitHub). */
  get rateLimit(): number {
    return this.limits.sizes.user;
  }
  set rateLimit(value: number) {
    this.limits.sizes.user = value;
  }

  reset(): void {
    this.clear();
    this.limits.clear();
    this.log.length = 0;
  }

  injectFault(fault: FaultSpec): void {
    this.limits.inject(fault);
  }

  issuesWithComments(repoName: string) {
    const repo = this.repo(repoName);
    return [...repo.issues.values()].map((i) => ({
      ...this.shapes.issue(repo, i),
      deleted: i.deleted,
      comment_list: this.commentsOf(`${repo.owner}/${repo.name}`, i.number),
    }));
  }

  commentJson(repoName: string, id: number) {
    return this.shapes.comment(this.repo(repoName), this.comments.get(id)!);
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
      if ((r.status === 403 || r.status === 429) && !r.counted) stats.secondaryRateLimited++;
      stats.byStatus[r.status] = (stats.byStatus[r.status] ?? 0) + 1;
      const route = `${r.method} ${r.path.replace(/\/\d+(?=\/|$)/g, '/{n}')}`;
      stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    }
    return stats;
  }

  // --- HTTP -----------------------------------------------------------------------------------

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `emulator error: ${(e as Error).message}` }));
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
        return this.send(res, error(400, 'Problems parsing JSON'));
      }
    }
    if (url.pathname.startsWith('/_emulator/')) return this.send(res, control(this, method, url, body));

    // Authentication: `token X` or `Bearer X`; unknown, revoked or expired tokens are a 401.
    const auth = req.headers.authorization ?? '';
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(auth)?.[1];
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
    const minted = token ? this.installations.get(token) : undefined;
    const expired = minted && Date.parse(minted.expiresAt) <= this.now().getTime();
    if (auth && (!token || !this.tokens.has(token) || this.revoked.has(token) || expired)) {
      return finish(badCredentials(), false);
    }
    const caller = callerOf(this, token);
    const limit = this.primaryWindow(caller.token, minted?.repository, caller.installation, req.socket.remoteAddress);
    const rateHeaders = () => Limits.headers(limit);
    const secondaryKey = token ?? `anonymous:${req.socket.remoteAddress}`;

    const fault = this.limits.takeFault(method, url.pathname);
    if (fault) {
      if (fault.kind === 'secondary') {
        const status = fault.status === 429 ? 429 : 403;
        return finish(this.secondaryReply(status, fault.retryAfter ?? 1, rateHeaders()), false);
      }
      if (fault.kind === 'primary') {
        const reset = String(Math.ceil(this.now().getTime() / 1000) + (fault.retryAfter ?? 1));
        const headers = {
          ...rateHeaders(),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': String(limit.limit),
          'x-ratelimit-reset': reset,
        };
        return finish(this.primaryReply(caller.login, headers), false);
      }
      if (fault.kind === 'unauthorized') return finish(badCredentials(), false);
      limit.used++;
      return finish(error(fault.status ?? 502, 'Server Error', 'https://docs.github.com/rest', rateHeaders()), true);
    }
    // GET /rate_limit does not count against the primary limit (GitHub's docs say so).
    if (method === 'GET' && url.pathname.replace(/\/+$/, '') === '/rate_limit') {
      return finish(this.rateLimitReply(limit, rateHeaders()), false);
    }
    const secondary = this.limits.secondary(secondaryKey, method);
    if (secondary) return finish(this.secondaryReply(secondary.status, secondary.retryAfter, rateHeaders()), false);
    if (limit.used >= limit.limit) return finish(this.primaryReply(caller.login, rateHeaders()), false);

    let reply: Reply;
    try {
      reply = this.routes.handle({ method, url, body, caller, base: this.url });
    } catch (e) {
      reply = error(500, (e as Error).message);
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

  /** Job tokens share their repository's 1,000/hour; seeded installation tokens have 1,000 each. */
  private primaryWindow(
    token: string | undefined,
    repository: string | undefined,
    installation: boolean,
    ip?: string,
  ): Window {
    if (!token) return this.limits.primaryFor(`anonymous:${ip}`, 'anonymous');
    if (repository) return this.limits.primaryFor(`installation:${repository}`, 'installation');
    return this.limits.primaryFor(`token:${token}`, installation ? 'installation' : 'user');
  }

  private secondaryReply(status: 403 | 429, retryAfter: number, headers: Record<string, string>): Reply {
    return error(status, SECONDARY_MESSAGE, `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`, {
      ...headers,
      'retry-after': String(retryAfter),
    });
  }

  private primaryReply(login: string | undefined, headers: Record<string, string>): Reply {
    const who = login ? `for user ID ${this.users.get(login.toLowerCase())?.id ?? 0}` : 'for this IP';
    return error(403, `API rate limit exceeded ${who}.`, `${RATE_LIMIT_DOCS}#about-primary-rate-limits`, {
      ...headers,
      'x-ratelimit-remaining': '0',
    });
  }

  /** GET /rate_limit: the caller's core window. */
  private rateLimitReply(w: Window, headers: Record<string, string>): Reply {
    const core = { limit: w.limit, used: w.used, remaining: Math.max(0, w.limit - w.used), reset: w.reset };
    const search = { limit: 30, used: 0, remaining: 30, reset: w.reset };
    return new Reply(200, { resources: { core, search }, rate: core }, headers);
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
}

export async function startGitHubEmulator(options: { port?: number; host?: string; seed?: Seed } = {}) {
  const emulator = new GitHubEmulator();
  if (options.seed) emulator.seed(options.seed);
  await emulator.listen(options.port ?? 0, options.host);
  return emulator;
}
