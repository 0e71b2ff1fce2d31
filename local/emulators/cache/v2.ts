/**
 * Cache service v2, as github.com runs it (hosted runners set ACTIONS_CACHE_SERVICE_V2=true and
 * ACTIONS_RESULTS_URL): Twirp JSON over HTTP (`@actions/cache`'s generated client, proto field names,
 * int64 as strings) plus Azure Blob style transfers on signed URLs.
 *
 *   POST /twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry {key, version}
 *        -> {ok, signed_upload_url} | 409 already_exists | {ok: false, message: "cache write denied: ..."}
 *   PUT  <signed_upload_url>   (x-ms-blob-type: BlockBlob, the whole archive: Azure "Put Blob")
 *   PUT  <signed_upload_url>&comp=block&blockid=B  then  &comp=blocklist <BlockList>  ("Put Block", "Put Block List")
 *   POST .../FinalizeCacheEntryUpload {key, version, size_bytes} -> {ok, entry_id}
 *   POST .../GetCacheEntryDownloadURL {key, restore_keys, version} -> {ok, signed_download_url, matched_key} | {ok: false}
 *   GET  <signed_download_url>
 *
 * Scopes come from the runtime token (scopes.ts): saves go to its writable scope, restores search its
 * readable ones. Signed URLs carry an HMAC `sig` (write or read) and an expiry `se`; a wrong or
 * expired one is Azure's 403 AuthenticationFailed.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from './http.js';
import type { Scope } from './scopes.js';
import type { Entries } from './store.js';

export const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/';
export const BLOB_PREFIX = '/actionscache/entries/';
export type V2Route = 'create' | 'finalize' | 'lookup' | 'blob-put' | 'blob-get';

const METHODS: Record<string, V2Route> = {
  CreateCacheEntry: 'create',
  FinalizeCacheEntryUpload: 'finalize',
  GetCacheEntryDownloadURL: 'lookup',
};

export function v2Route(method: string, path: string): V2Route | undefined {
  if (method === 'POST' && path.startsWith(TWIRP_PREFIX)) return METHODS[path.slice(TWIRP_PREFIX.length)];
  if (path.startsWith(BLOB_PREFIX) && /^\d+$/.test(path.slice(BLOB_PREFIX.length))) {
    if (method === 'PUT') return 'blob-put';
    if (method === 'GET') return 'blob-get';
  }
  return undefined;
}

const TWIRP_STATUS = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
};
const twirpError = (res: ServerResponse, code: keyof typeof TWIRP_STATUS, msg: string) =>
  sendJson(res, TWIRP_STATUS[code], { code, msg });

function azureError(res: ServerResponse, status: number, code: string, message: string): void {
  const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code }).end(xml);
}

export class V2 {
  private readonly secret = randomBytes(16);

  constructor(private readonly entries: Entries) {}

  private sign(id: number, permission: 'cw' | 'r', expires: string): string {
    return createHmac('sha256', this.secret).update(`${id}:${permission}:${expires}`).digest('base64url');
  }

  private signedUrl(base: string, id: number, permission: 'cw' | 'r'): string {
    const se = `${new Date(Date.now() + 3600_000).toISOString().slice(0, 19)}Z`;
    const query = new URLSearchParams({
      sv: '2025-05-05',
      sr: 'b',
      sp: permission,
      se,
      sig: this.sign(id, permission, se),
    });
    return `${base.replace(/\/$/, '')}${BLOB_PREFIX}${id}?${query}`;
  }

  private verify(url: URL, id: number, permission: 'cw' | 'r'): boolean {
    const se = url.searchParams.get('se') ?? '';
    const sig = url.searchParams.get('sig') ?? '';
    return (
      url.searchParams.get('sp') === permission && Date.parse(se) > Date.now() && sig === this.sign(id, permission, se)
    );
  }

  async handle(
    which: V2Route,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    ctx: { scopes?: Scope[]; base: string },
  ) {
    if (which === 'blob-put' || which === 'blob-get') return this.blob(which, req, res, url);
    if (!ctx.scopes) return twirpError(res, 'unauthenticated', 'missing bearer token');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse((await readBody(req)).toString() || '{}');
    } catch {
      return twirpError(res, 'invalid_argument', 'the body is not JSON');
    }
    const key = typeof body.key === 'string' ? body.key : '';
    const version = typeof body.version === 'string' ? body.version : '';
    if (!key || !version) return twirpError(res, 'invalid_argument', 'key and version are required');
    if (key.length > 512) return twirpError(res, 'invalid_argument', 'key longer than 512 characters');
    const writable = ctx.scopes.find((s) => s.write)?.scope;
    if (which === 'create') {
      if (!writable)
        return sendJson(res, 200, { ok: false, message: 'cache write denied: the token has no writable cache scope' });
      if (this.entries.existing(key, version, writable)) {
        return twirpError(res, 'already_exists', 'cache entry with the same key, version, and scope already exists');
      }
      const entry = this.entries.create(key, version, writable);
      return sendJson(res, 200, { ok: true, signed_upload_url: this.signedUrl(ctx.base, entry.id, 'cw') });
    }
    if (which === 'finalize') {
      const entry = writable ? this.entries.existing(key, version, writable) : undefined;
      if (!entry || entry.committed)
        return twirpError(res, 'not_found', `no cache entry being uploaded for key ${key}`);
      const size = Number(body.size_bytes);
      if (!entry.blob) return twirpError(res, 'invalid_argument', 'nothing was uploaded for this entry');
      if (entry.blob.length !== size) {
        return twirpError(
          res,
          'invalid_argument',
          `size_bytes ${size} does not match the ${entry.blob.length} bytes uploaded`,
        );
      }
      this.entries.commit(entry, entry.blob);
      return sendJson(res, 200, { ok: true, entry_id: String(entry.id) });
    }
    if (!ctx.scopes.some((s) => s.read))
      return twirpError(res, 'permission_denied', 'cache read denied: the token has no readable cache scope');
    const restoreKeys = Array.isArray(body.restore_keys) ? body.restore_keys.map(String) : [];
    const entry = this.entries.find([key, ...restoreKeys], version, ctx.scopes);
    if (!entry) return sendJson(res, 200, { ok: false });
    return sendJson(res, 200, {
      ok: true,
      signed_download_url: this.signedUrl(ctx.base, entry.id, 'r'),
      matched_key: entry.key,
    });
  }

  private async blob(which: 'blob-put' | 'blob-get', req: IncomingMessage, res: ServerResponse, url: URL) {
    const id = Number(url.pathname.slice(BLOB_PREFIX.length));
    const entry = this.entries.byId(id);
    const permission = which === 'blob-put' ? 'cw' : 'r';
    if (!this.verify(url, id, permission)) {
      await readBody(req);
      return azureError(res, 403, 'AuthenticationFailed', 'Server failed to authenticate the request.');
    }
    if (which === 'blob-get') {
      if (!entry?.archive) return azureError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
      res
        .writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.archive.length })
        .end(entry.archive);
      return;
    }
    const data = await readBody(req);
    if (!entry || entry.committed) return azureError(res, 409, 'BlobImmutable', 'The blob was already committed.');
    const created = {
      etag: `"0x${id.toString(16)}"`,
      'last-modified': new Date().toUTCString(),
      'x-ms-request-server-encrypted': 'true',
    };
    const comp = url.searchParams.get('comp');
    if (comp === 'block') {
      const blockId = url.searchParams.get('blockid');
      if (!blockId) return azureError(res, 400, 'InvalidQueryParameterValue', 'blockid is required');
      entry.blocks.set(blockId, data);
      res.writeHead(201, created).end();
      return;
    }
    if (comp === 'blocklist') {
      const ids = [...data.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)<\//g)].map(
        (m) => m[1]!,
      );
      const missing = ids.find((b) => !entry.blocks.has(b));
      if (missing) return azureError(res, 400, 'InvalidBlockList', `block ${missing} was not uploaded`);
      entry.blob = Buffer.concat(ids.map((b) => entry.blocks.get(b)!));
      res.writeHead(201, created).end();
      return;
    }
    if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
      return azureError(res, 400, 'MissingRequiredHeader', 'x-ms-blob-type: BlockBlob is required');
    }
    entry.blob = data;
    res.writeHead(201, created).end();
    return;
  }
}
