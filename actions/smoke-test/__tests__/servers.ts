/**
 * Real HTTP and HTTPS servers on 127.0.0.1 for the harness tests, and a test CA made with openssl
 * in a temporary directory (never committed). Each route misbehaves in one way.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NEW_SHA = '0123456789abcdef0123456789abcdef01234567';
export const OLD_SHA = 'fedcba9876543210fedcba9876543210fedcba98';

export interface TestServer {
  url: string;
  /** Requests seen per path and query; `*`: all requests. */
  hits: Map<string, number>;
  /** Authorization headers the server received. */
  authorizations: string[];
  close(): Promise<void>;
}

const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

function handler(hits: Map<string, number>, authorizations: string[]): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    // Counted per path and query, so each test's URL has its own sequence.
    const key = `${url.pathname}${url.search}`;
    const n = (hits.get(key) ?? 0) + 1;
    hits.set(key, n);
    hits.set('*', (hits.get('*') ?? 0) + 1);
    if (req.headers.authorization) authorizations.push(req.headers.authorization);
    const param = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    switch (url.pathname) {
      case '/health':
        return json(res, 200, { status: 'ok', database: 'ok', uptime: 12.5 }, { 'x-request-id': `req-${n}` });
      case '/version': {
        // The old version answers the first `old` requests, then the new one.
        const commit = n <= param('old', 0) ? OLD_SHA : NEW_SHA;
        return json(res, 200, { version: '1.2.3', commit }, { 'x-app-version': commit.slice(0, 7) });
      }
      case '/slow':
        setTimeout(() => json(res, 200, { status: 'ok' }), param('ms', 200));
        return;
      case '/flap': {
        // A pattern of statuses, one per request, e.g. 200,500,200; the last repeats.
        const pattern = (url.searchParams.get('p') ?? '200').split(',').map(Number);
        return json(res, pattern[Math.min(n, pattern.length) - 1]!, { n });
      }
      case '/echo':
        // A careless endpoint that reflects the credentials it was sent.
        return json(res, 500, {
          error: 'boom',
          authorization: req.headers.authorization,
          debug: req.headers['x-api-key'],
        });
      case '/close':
        req.socket.destroy();
        return;
      case '/hang':
        return; // never answers
      default:
        return json(res, 404, { error: 'not found' });
    }
  };
}

export async function startServer(tls?: { key: string; cert: string }): Promise<TestServer> {
  const hits = new Map<string, number>();
  const authorizations: string[] = [];
  const server = tls
    ? https.createServer(tls, handler(hits, authorizations))
    : http.createServer(handler(hits, authorizations));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    hits,
    authorizations,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TestPki {
  dir: string;
  caFile: string;
  /** Signed by the CA, valid a year, for 127.0.0.1 and localhost. */
  good: { key: string; cert: string };
  /** Signed by the CA, expires in two days. */
  expiring: { key: string; cert: string };
}

/** A CA and two server certificates made with openssl (EC keys: fast). */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'smoke-pki-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Smoke Test CA');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n');
  const server = (name: string, days: string) => {
    run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=localhost');
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      days,
      '-extfile',
      'san.ext',
    );
    return {
      key: readFileSync(join(dir, `${name}.key`), 'utf8'),
      cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
    };
  };
  return { dir, caFile: join(dir, 'ca.pem'), good: server('good', '365'), expiring: server('expiring', '2') };
}
