/**
 * Real components for the harness tests: tiny build contexts, the local registry's API, a
 * fault-injecting proxy in front of it, a second registry with htpasswd auth, and a stand-in of
 * ECR's GetAuthorizationToken for the real AWS SDK client.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY = '127.0.0.1:5000';
export const BASE_IMAGE = 'localhost:5000/deploy-actions/node:24';
const ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

export const random = (n = 4) => randomBytes(n).toString('hex');

/** A workspace with one folder per service: a Dockerfile FROM the base image and a small file. */
export function workspace(services: Record<string, { extra?: string; content?: string; scratch?: boolean }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpi-ws-'));
  for (const [name, spec] of Object.entries(services)) {
    mkdirSync(join(dir, 'apps', name), { recursive: true });
    writeFileSync(
      join(dir, 'apps', name, 'Dockerfile'),
      // FROM scratch where the test pushes to a new registry: a few hundred bytes instead of the base image.
      `ARG BASE_IMAGE=${spec.scratch ? 'scratch' : BASE_IMAGE}\nFROM $BASE_IMAGE\nARG APP_VERSION=dev\nCOPY hello.txt /srv/hello.txt\n${spec.extra ?? ''}`,
    );
    writeFileSync(join(dir, 'apps', name, 'hello.txt'), spec.content ?? `${name} ${random(8)}\n`);
  }
  return dir;
}

/** What a tag points at, asked of the registry (not of docker). */
export async function tagDigest(host: string, path: string, tag: string, auth?: string): Promise<string | undefined> {
  const response = await fetch(`http://${host}/v2/${path}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: ACCEPT, ...(auth ? { authorization: auth } : {}) },
  });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`HEAD ${path}:${tag} answered ${response.status}`);
  return response.headers.get('docker-content-digest') ?? undefined;
}

/** Removes the local images of test repositories (vfs keeps a full copy per layer). */
export function removeImages(match: string): void {
  const refs = execFileSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' })
    .split('\n')
    .filter((ref) => ref.includes(match));
  if (refs.length) execFileSync('docker', ['rmi', '-f', ...refs], { stdio: 'ignore' });
}

export type Fault = { status: number; retryAfter?: string } | 'drop';
export interface FaultRule {
  method?: string;
  path: RegExp;
  /** Applied to the first `times` matching requests. */
  times: number;
  fault: Fault;
}

/** An HTTP proxy to the registry that answers chosen requests with 503, 429 + Retry-After, or a dropped connection. */
export async function faultProxy(rules: FaultRule[], target = REGISTRY) {
  const [targetHost, targetPort] = target.split(':');
  const injected: string[] = [];
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const line = `${req.method} ${req.url}`;
    seen.push(line);
    const rule = rules.find((r) => r.times > 0 && (!r.method || r.method === req.method) && r.path.test(req.url ?? ''));
    if (rule) {
      rule.times--;
      const fault = rule.fault;
      injected.push(`${fault === 'drop' ? 'drop' : fault.status} ${line}`);
      if (fault === 'drop') {
        req.socket.destroy();
        return;
      }
      req.resume();
      res.writeHead(fault.status, {
        'content-type': 'application/json',
        ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}),
      });
      // The error codes a real registry sends with these statuses (docker prints them).
      const code = fault.status === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE';
      res.end(JSON.stringify({ errors: [{ code, message: `injected fault ${fault.status}` }] }));
      return;
    }
    // The Host header is kept, so the registry's upload Locations point back at the proxy.
    const upstream = request(
      { host: targetHost, port: Number(targetPort), method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { host: `127.0.0.1:${port}`, injected, seen, close: () => closeServer(server) };
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return port;
}

/** A second docker-registry with htpasswd auth (bcrypt through the system's crypt). */
export async function authRegistry(username: string, password: string) {
  const dir = mkdtempSync(join(tmpdir(), 'bpi-auth-registry-'));
  const hash = execFileSync(
    'python3',
    [
      '-W',
      'ignore',
      '-c',
      'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=32)))',
      password,
    ],
    { encoding: 'utf8' },
  ).trim();
  writeFileSync(join(dir, 'htpasswd'), `${username}:${hash}\n`);
  const port = await freePort();
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: { level: error }',
      `storage: { filesystem: { rootdirectory: ${dir}/data }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}" }`,
      `auth: { htpasswd: { realm: test-realm, path: ${dir}/htpasswd } }`,
    ].join('\n'),
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const status = await fetch(`http://${host}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 401) break;
    if (i > 100) throw new Error('the auth registry did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    host,
    basic: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
    close: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** ECR's GetAuthorizationToken (AWS JSON 1.1) answering with a given registry and password. */
export async function ecrStandIn(proxyEndpoint: string, password: string) {
  const calls: { target: string; authorization: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      calls.push({ target, authorization: String(req.headers.authorization ?? '') });
      if (target !== 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          authorizationData: [
            {
              authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
              expiresAt: Math.floor(Date.now() / 1000) + 43200,
              proxyEndpoint,
            },
          ],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, calls, close: () => closeServer(server) };
}
