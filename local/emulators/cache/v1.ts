/**
 * Cache service v1: the REST API `@actions/cache` speaks when `ACTIONS_CACHE_SERVICE_V2` is unset
 * (ACTIONS_CACHE_URL; GHES still runs it):
 *
 *   GET   {base}_apis/artifactcache/cache?keys=k1,k2&version=V   -> 200 {cacheKey, archiveLocation} | 204
 *   POST  {base}_apis/artifactcache/caches {key, version, cacheSize} -> 201 {cacheId} | 409 (key reserved)
 *   PATCH {base}_apis/artifactcache/caches/:id  (Content-Range: bytes S-E/*, raw chunk) -> 204
 *   POST  {base}_apis/artifactcache/caches/:id {size}              -> 204 (size must match the upload)
 *   GET   {base}_apis/artifactcache/caches?key=K                   -> {totalCount, artifactCaches} (diagnostics)
 *   GET   /_archives/:id                                           -> the archive bytes (archiveLocation)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson as send } from './http.js';
import type { Scope } from './scopes.js';
import type { Entries } from './store.js';

export type V1Route = 'query' | 'reserve' | 'upload' | 'commit' | 'download';

export function v1Route(method: string, path: string): V1Route | undefined {
  if (method === 'GET' && path === '/_apis/artifactcache/cache') return 'query';
  if (method === 'POST' && path === '/_apis/artifactcache/caches') return 'reserve';
  if (method === 'PATCH' && /^\/_apis\/artifactcache\/caches\/\d+$/.test(path)) return 'upload';
  if (method === 'POST' && /^\/_apis\/artifactcache\/caches\/\d+$/.test(path)) return 'commit';
  if (method === 'GET' && /^\/_archives\/\d+$/.test(path)) return 'download';
  return undefined;
}

export async function handleV1(
  which: V1Route,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: { entries: Entries; scopes: Scope[]; base: string },
): Promise<void> {
  const { entries, scopes } = ctx;
  const id = Number(url.pathname.split('/').pop());
  const writable = scopes.find((s) => s.write)?.scope;
  switch (which) {
    case 'query': {
      const keys = (url.searchParams.get('keys') ?? '').split(',').filter(Boolean);
      const version = url.searchParams.get('version') ?? '';
      if (!keys.length || keys.length > 10) return send(res, 400, { message: 'between 1 and 10 keys' });
      const entry = entries.find(keys, version, scopes);
      if (!entry) return send(res, 204);
      return send(res, 200, {
        cacheKey: entry.key,
        scope: entry.scope,
        creationTime: new Date(entry.created).toISOString(),
        archiveLocation: `${ctx.base}_archives/${entry.id}`,
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
      if (!writable) return send(res, 403, { message: 'the token has no writable cache scope' });
      if (entries.existing(body.key, body.version, writable)) {
        return send(res, 409, { message: `Cache already exists. Scope: ${writable}, Key: ${body.key}` });
      }
      return send(res, 201, { cacheId: entries.create(body.key, body.version, writable, body.cacheSize).id });
    }
    case 'upload': {
      const entry = entries.byId(id);
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
      const entry = entries.byId(id);
      if (!entry || entry.committed) return send(res, 404, { message: 'no reserved cache with that id' });
      const { size } = JSON.parse((await readBody(req)).toString() || '{}') as { size?: number };
      const archive = Buffer.concat(entry.chunks.sort((a, b) => a.start - b.start).map((c) => c.data));
      if (archive.length !== size) {
        return send(res, 400, { message: `size ${size} does not match the ${archive.length} bytes uploaded` });
      }
      entries.commit(entry, archive);
      return send(res, 204);
    }
    case 'download': {
      const entry = entries.byId(id);
      if (!entry?.archive) return send(res, 404, { message: 'no such archive' });
      res
        .writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.archive.length })
        .end(entry.archive);
      return;
    }
  }
}
