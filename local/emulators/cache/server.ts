/**
 * A local GitHub Actions cache service (the v1 REST API that the unmodified `@actions/cache`
 * package speaks when `ACTIONS_CACHE_URL` is set and `ACTIONS_CACHE_SERVICE_V2` is not):
 *
 *   GET   {base}_apis/artifactcache/cache?keys=k1,k2&version=V   -> 200 {cacheKey, archiveLocation} | 204
 *   POST  {base}_apis/artifactcache/caches {key, version, cacheSize} -> 201 {cacheId} | 409 (key reserved)
 *   PATCH {base}_apis/artifactcache/caches/:id  (Content-Range: bytes S-E/*, raw chunk) -> 204
 *   POST  {base}_apis/artifactcache/caches/:id {size}              -> 204 (size must match the upload)
 *   GET   {base}_apis/artifactcache/caches?key=K                   -> {totalCount, artifactCaches} (diagnostics)
 *   GET   /_archives/:id                                           -> the archive bytes (archiveLocation)
 *
 * Matching follows GitHub's: for each key in order, an exact key match first, then the most recent
 * entry whose key starts with it; entries only match their own `version` (paths + compression).
 * Entries are immutable once committed. Archives live in memory.
 * Control: `faults` (next N requests to a route fail with 500, or are delayed) and `requests` counts.
 *
 * Start it alone with `node local/emulators/cache/server.ts [port]` (Node 24 strips the types).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CacheEntry {
  id: number;
  key: string;
  version: string;
  size?: number;
  chunks: { start: number; data: Buffer }[];
  archive?: Buffer;
  committed: boolean;
  created: number;
}

export type Route = 'query' | 'reserve' | 'upload' | 'commit' | 'download';

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
  /** The value for ACTIONS_CACHE_URL (ends with `/`). */
  url: string;
  server: Server;
  entries: CacheEntry[];
  faults: Fault[];
  requests: Record<Route, number>;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startCacheEmulator(port = 0): Promise<CacheEmulator> {
  const entries: CacheEntry[] = [];
  const faults: Fault[] = [];
  const requests: Record<Route, number> = { query: 0, reserve: 0, upload: 0, commit: 0, download: 0 };
  let nextId = 1;
  let base = '';

  const find = (keys: string[], version: string): CacheEntry | undefined => {
    const usable = entries.filter((e) => e.committed && e.version === version);
    for (const key of keys) {
      const exact = usable.find((e) => e.key === key);
      if (exact) return exact;
      const prefixed = usable.filter((e) => e.key.startsWith(key)).sort((a, b) => b.created - a.created || b.id - a.id);
      if (prefixed[0]) return prefixed[0];
    }
    return undefined;
  };

  const route = (method: string, path: string): Route | undefined => {
    if (method === 'GET' && path === '/_apis/artifactcache/cache') return 'query';
    if (method === 'POST' && path === '/_apis/artifactcache/caches') return 'reserve';
    if (method === 'PATCH' && /^\/_apis\/artifactcache\/caches\/\d+$/.test(path)) return 'upload';
    if (method === 'POST' && /^\/_apis\/artifactcache\/caches\/\d+$/.test(path)) return 'commit';
    if (method === 'GET' && /^\/_archives\/\d+$/.test(path)) return 'download';
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'GET' && path === '/_apis/artifactcache/caches') {
      const key = url.searchParams.get('key') ?? '';
      const matching = entries.filter((e) => e.committed && e.key === key);
      return send(res, 200, {
        totalCount: matching.length,
        artifactCaches: matching.map((e) => ({ cacheKey: e.key, cacheVersion: e.version, scope: 'refs/heads/main' })),
      });
    }
    const which = route(method, path);
    if (!which) return send(res, 404, { message: `no route for ${method} ${path}` });
    requests[which]++;
    const fault = faults.find((f) => f.route === which && (f.times ?? 1) > 0);
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.delayMs) await sleep(fault.delayMs);
      else {
        await readBody(req);
        return send(res, fault.status ?? 500, { message: 'injected fault' });
      }
    }
    if (!/^Bearer .+/.test(req.headers.authorization ?? '') && which !== 'download') {
      return send(res, 401, { message: 'missing bearer token' });
    }
    switch (which) {
      case 'query': {
        const keys = (url.searchParams.get('keys') ?? '').split(',').filter(Boolean);
        const version = url.searchParams.get('version') ?? '';
        if (!keys.length || keys.length > 10) return send(res, 400, { message: 'between 1 and 10 keys' });
        const entry = find(keys, version);
        if (!entry) return send(res, 204);
        return send(res, 200, {
          cacheKey: entry.key,
          scope: 'refs/heads/main',
          creationTime: new Date(entry.created).toISOString(),
          archiveLocation: `${base}_archives/${entry.id}`,
        });
      }
      case 'reserve': {
        const body = JSON.parse((await readBody(req)).toString() || '{}') as {
          key?: string;
          version?: string;
          cacheSize?: number;
        };
        if (!body.key || !body.version) return send(res, 400, { message: 'key and version are required' });
        if (body.key.length > 512) return send(res, 400, { message: 'key longer than 512 characters' });
        if (entries.some((e) => e.key === body.key && e.version === body.version)) {
          return send(res, 409, { message: `Cache already exists. Scope: refs/heads/main, Key: ${body.key}` });
        }
        const entry: CacheEntry = {
          id: nextId++,
          key: body.key,
          version: body.version,
          size: body.cacheSize,
          chunks: [],
          committed: false,
          created: Date.now(),
        };
        entries.push(entry);
        return send(res, 201, { cacheId: entry.id });
      }
      case 'upload': {
        const entry = entries.find((e) => e.id === Number(path.split('/').pop()));
        if (!entry || entry.committed) return send(res, 404, { message: 'no reserved cache with that id' });
        const range = /^bytes (\d+)-(\d+)\/\*$/.exec(req.headers['content-range'] ?? '');
        if (!range) return send(res, 400, { message: 'Content-Range bytes S-E/* is required' });
        const data = await readBody(req);
        if (data.length !== Number(range[2]) - Number(range[1]) + 1) {
          return send(res, 400, { message: 'chunk length does not match Content-Range' });
        }
        entry.chunks.push({ start: Number(range[1]), data });
        return send(res, 204);
      }
      case 'commit': {
        const entry = entries.find((e) => e.id === Number(path.split('/').pop()));
        if (!entry || entry.committed) return send(res, 404, { message: 'no reserved cache with that id' });
        const { size } = JSON.parse((await readBody(req)).toString() || '{}') as { size?: number };
        const archive = Buffer.concat(entry.chunks.sort((a, b) => a.start - b.start).map((c) => c.data));
        if (archive.length !== size) {
          return send(res, 400, { message: `size ${size} does not match the ${archive.length} bytes uploaded` });
        }
        entry.archive = archive;
        entry.chunks = [];
        entry.size = size;
        entry.committed = true;
        return send(res, 204);
      }
      case 'download': {
        const entry = entries.find((e) => e.id === Number(path.split('/').pop()));
        if (!entry?.archive) return send(res, 404, { message: 'no such archive' });
        res
          .writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.archive.length })
          .end(entry.archive);
        return;
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { message: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url: base,
    server,
    entries,
    faults,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  const emulator = await startCacheEmulator(Number(process.argv[2] ?? 0));
  console.log(`cache service emulator: ACTIONS_CACHE_URL=${emulator.url} ACTIONS_RUNTIME_TOKEN=<any>`);
}
