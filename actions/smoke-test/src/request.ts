/**
 * One HTTP(S) request with Node's own stack (node:http / node:https): a fresh connection per
 * attempt (no keep-alive, so a load balancer can route each attempt anew), one timeout for the
 * whole exchange, the peer certificate's expiry, and every failure named by its real cause.
 */
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface RequestSpec {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** PEM bundle trusted in addition to Node's own roots. */
  ca?: string;
  insecureSkipVerify: boolean;
  signal?: AbortSignal;
}

export interface Certificate {
  subject: string;
  validTo: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  latencyMs: number;
  certificate?: Certificate;
}

/** A request that got no (complete) response: `cause` is what a person should read. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    message: string,
    readonly code: string | undefined,
    /** Certificate problems do not heal by waiting: the check fails at once. */
    readonly tls = false,
  ) {
    super(message);
  }
}

/** Bodies beyond this are read but not kept (expectations see the first MiB). */
export const MAX_BODY_BYTES = 1024 * 1024;

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
]);

/** Turns a Node network error into a sentence with its code: never an opaque failure. */
export function describeError(error: unknown, url: URL): RequestError {
  if (error instanceof RequestError) return error;
  const e = error as NodeJS.ErrnoException & { reason?: string; host?: string };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const host = url.hostname;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const message = e?.message ?? String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return new RequestError(`connection refused by ${host}:${port} (ECONNREFUSED)`, code);
    case 'ENOTFOUND':
      return new RequestError(`DNS lookup of ${host} failed: no such host (ENOTFOUND)`, code);
    case 'EAI_AGAIN':
      return new RequestError(`DNS lookup of ${host} failed temporarily (EAI_AGAIN)`, code);
    case 'ECONNRESET':
      return new RequestError(
        `connection to ${host}:${port} was reset or closed before a full response (${code}: ${message})`,
        code,
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new RequestError(`${host}:${port} is unreachable (${code})`, code);
  }
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))) {
    return new RequestError(`TLS handshake with ${host}:${port} failed: ${message} (${code})`, code, true);
  }
  if (/ssl|tls|certificate/i.test(message)) {
    return new RequestError(
      `TLS handshake with ${host}:${port} failed: ${message}${code ? ` (${code})` : ''}`,
      code,
      true,
    );
  }
  return new RequestError(`${message}${code ? ` (${code})` : ''}`, code);
}

export function request(spec: RequestSpec): Promise<HttpResult> {
  const started = performance.now();
  const isHttps = spec.url.protocol === 'https:';
  const headers: Record<string, string> = { 'user-agent': 'deploy-actions-smoke-test', ...spec.headers };
  if (spec.body !== undefined) headers['content-length'] = String(Buffer.byteLength(spec.body));
  const options: https.RequestOptions = {
    method: spec.method,
    headers,
    agent: false,
    ...(isHttps ? { rejectUnauthorized: !spec.insecureSkipVerify, ...(spec.ca ? { ca: spec.ca } : {}) } : {}),
  };
  return new Promise((resolve, reject) => {
    let phase = 'connecting';
    let certificate: Certificate | undefined;
    let settled = false;
    const finish = (error: unknown, result?: HttpResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      if (error) {
        req.destroy();
        reject(describeError(error, spec.url));
      } else resolve(result!);
    };
    const onAbort = () => finish(new RequestError('stopped: another check already decided the verdict', 'ABORTED'));
    const req = (isHttps ? https : http).request(spec.url, options, (res) => {
      phase = 'reading the body';
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept < MAX_BODY_BYTES) {
          chunks.push(chunk.subarray(0, MAX_BODY_BYTES - kept));
          kept += chunk.length;
        }
      });
      res.on('aborted', () =>
        finish(Object.assign(new Error('the server closed the connection mid-body'), { code: 'ECONNRESET' })),
      );
      res.on('error', (error) => finish(error));
      res.on('end', () => {
        if (!res.complete) {
          finish(Object.assign(new Error('the server closed the connection mid-body'), { code: 'ECONNRESET' }));
          return;
        }
        finish(undefined, {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          latencyMs: performance.now() - started,
          certificate,
        });
      });
    });
    req.on('socket', (socket) => {
      socket.on('secureConnect', () => {
        phase = 'waiting for the response';
        const peer = (socket as TLSSocket).getPeerCertificate?.();
        if (peer?.valid_to) {
          certificate = {
            subject: peer.subject?.CN ? String(peer.subject.CN) : '',
            validTo: peer.valid_to,
            expiresAt: Date.parse(peer.valid_to),
          };
        }
      });
      socket.on('connect', () => {
        phase = isHttps ? 'in the TLS handshake' : 'waiting for the response';
      });
    });
    req.on('error', (error) => finish(error));
    const timer = setTimeout(() => {
      finish(new RequestError(`timed out after ${spec.timeoutMs}ms ${phase}`, 'ETIMEDOUT'));
    }, spec.timeoutMs);
    if (spec.signal?.aborted) onAbort();
    spec.signal?.addEventListener('abort', onAbort);
    if (spec.body !== undefined) req.write(spec.body);
    req.end();
  });
}
