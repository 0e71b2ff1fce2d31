/**
 * A local GitHub Actions cache service that the unmodified `@actions/cache` talks to, in both of
 * its protocols: v2 (what github.com's hosted runners use: ACTIONS_CACHE_SERVICE_V2=true,
 * ACTIONS_RESULTS_URL; v2.ts) and v1 (ACTIONS_CACHE_URL; v1.ts). One store (store.ts) and GitHub's
 * matching (exact, then prefix, key then restore keys, within the token's scopes: scopes.ts).
 * Control: `faults` (next N requests to a route fail with a status, or are delayed) and
 * `requests` counts per route.
 *
 * From plain JavaScript: `loadCacheEmulator()` in load.mjs (esbuild), e.g.
 *   node -e "import('./local/emulators/cache/load.mjs').then(async (m) => console.log((await (await m.loadCacheEmulator()).startCacheEmulator(0)).url))"
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearer, readBody, sendJson } from './http.js';
import { scopesOf } from './scopes.js';
import { type CacheEntry, Entries } from './store.js';
import { handleV1, type V1Route, v1Route } from './v1.js';
import { V2, type V2Route, v2Route } from './v2.js';

export { runtimeToken } from './scopes.js';
export type { CacheEntry } from './store.js';

export type Route = V1Route | V2Route;

export interface Fault {
  route: Route;
  /** How many matching requests are affected (default 1). */
  times?: number;
  /** Answer with this status instead of serving (default 500). Ignored with `delayMs`. */
  status?: number;
  /** Hold the request this long before serving it normally. */
  delayMs?: number;
}

export interface CacheEmulator {
  /** The value for ACTIONS_CACHE_URL (v1) and ACTIONS_RESULTS_URL (v2); ends with `/`. */
  url: string;
  server: Server;
  entries: CacheEntry[];
  faults: Fault[];
  requests: Record<Route, number>;
  /** The environment a step needs to use the service: v2 (as github.com) unless `version: 'v1'`. */
  env(options: { token: string; version?: 'v1' | 'v2' }): Record<string, string>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startCacheEmulator(port = 0): Promise<CacheEmulator> {
  const entries = new Entries();
  const v2 = new V2(entries);
  const faults: Fault[] = [];
  const requests: Record<Route, number> = {
    query: 0,
    reserve: 0,
    upload: 0,
    commit: 0,
    download: 0,
    create: 0,
    finalize: 0,
    lookup: 0,
    'blob-put': 0,
    'blob-get': 0,
  };
  let base = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'GET' && path === '/_apis/artifactcache/caches') {
      const key = url.searchParams.get('key') ?? '';
      const matching = entries.list.filter((e) => e.committed && e.key === key);
      return sendJson(res, 200, {
        totalCount: matching.length,
        artifactCaches: matching.map((e) => ({ cacheKey: e.key, cacheVersion: e.version, scope: e.scope })),
      });
    }
    const which: Route | undefined = v1Route(method, path) ?? v2Route(method, path);
    if (!which) return sendJson(res, 404, { message: `no route for ${method} ${path}` });
    requests[which]++;
    const fault = faults.find((f) => f.route === which && (f.times ?? 1) > 0);
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.delayMs) await sleep(fault.delayMs);
      else {
        await readBody(req);
        return sendJson(res, fault.status ?? 500, { message: 'injected fault' });
      }
    }
    // Signed URLs (v2) and archive locations (v1) need no token, as on GitHub; the APIs do.
    const token = bearer(req);
    if (!token && ['query', 'reserve', 'upload', 'commit'].includes(which)) {
      return sendJson(res, 401, { message: 'missing bearer token' });
    }
    const scopes = token ? scopesOf(token) : undefined;
    if (['query', 'reserve', 'upload', 'commit', 'download'].includes(which)) {
      return handleV1(which as V1Route, req, res, url, { entries, scopes: scopes ?? [], base });
    }
    return v2.handle(which as V2Route, req, res, url, { scopes, base });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url: base,
    server,
    entries: entries.list,
    faults,
    requests,
    env: ({ token, version = 'v2' }): Record<string, string> =>
      version === 'v2'
        ? { ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_RESULTS_URL: base, ACTIONS_RUNTIME_TOKEN: token }
        : { ACTIONS_CACHE_URL: base, ACTIONS_RUNTIME_TOKEN: token },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
