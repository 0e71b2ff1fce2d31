/**
 * A small Registry HTTP API v2 client: manifest lookups and tag additions without docker, with
 * the registry's own auth challenge (anonymous, Basic, or Bearer tokens as GHCR and Docker Hub
 * use), retries on 5xx/429/connection faults honouring Retry-After.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../../shared/clock.js';
import { fetchWithRetry, HttpError } from '../../../shared/http.js';
import { registerSecret } from '../../../shared/secrets.js';
import { registryBaseUrl } from './reference.js';

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

export interface Credentials {
  username: string;
  password: string;
}

export interface RetrySettings {
  attempts: number;
  baseDelayMs: number;
  clock?: Clock;
}

export interface Manifest {
  /** The exact bytes: the digest is over them, so they are never re-serialised. */
  body: Buffer;
  mediaType: string;
  digest: string;
}

/** Parses `Bearer realm="...",service="...",scope="..."` (or `Basic realm=...`). */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const match of header.slice(space + 1).matchAll(/(\w+)="?([^",]*)"?/g))
    params[match[1]!.toLowerCase()] = match[2]!;
  return { scheme, params };
}

export const digestOf = (body: Buffer): string => `sha256:${createHash('sha256').update(body).digest('hex')}`;

/** Compressed size of an image manifest (config plus layers), when it is one. */
export function manifestSize(manifest: Manifest): number | undefined {
  try {
    const parsed = JSON.parse(manifest.body.toString()) as {
      config?: { size?: number };
      layers?: { size?: number }[];
      manifests?: { size?: number }[];
    };
    if (!parsed.layers) return undefined;
    return (parsed.config?.size ?? 0) + parsed.layers.reduce((sum, layer) => sum + (layer.size ?? 0), 0);
  } catch {
    return undefined;
  }
}

export class RegistryClient {
  private authorization?: string;
  private readonly base: string;

  constructor(
    readonly host: string,
    readonly path: string,
    private readonly options: {
      credentials?: Credentials;
      insecure?: string[];
      retry: RetrySettings;
      baseUrl?: string;
    },
  ) {
    this.base = options.baseUrl ?? registryBaseUrl(host, options.insecure);
  }

  private async send(
    method: string,
    suffix: string,
    headers: Record<string, string>,
    body?: Buffer,
  ): Promise<Response> {
    const url = `${this.base}/v2/${this.path}/${suffix}`;
    const attempt = () =>
      fetchWithRetry(
        url,
        {
          method,
          headers: { ...headers, ...(this.authorization ? { authorization: this.authorization } : {}) },
          body: body ? new Uint8Array(body) : undefined,
          timeoutMs: 60_000,
        },
        {
          label: `registry ${method} ${this.host}/${this.path}/${suffix}`,
          attempts: this.options.retry.attempts,
          baseDelayMs: this.options.retry.baseDelayMs,
          clock: this.options.retry.clock,
          accept: (status) => status < 400 || status === 401 || status === 404,
        },
      );
    let response = await attempt();
    if (response.status === 401 && !this.authorization) {
      await response.arrayBuffer().catch(() => undefined);
      await this.authenticate(response.headers.get('www-authenticate') ?? '');
      response = await attempt();
    }
    if (response.status === 401) {
      throw new HttpError(
        `${method} ${this.host}/${this.path}/${suffix}: the registry refused the credentials (401)`,
        401,
      );
    }
    return response;
  }

  private async authenticate(header: string): Promise<void> {
    const { scheme, params } = parseChallenge(header);
    const credentials = this.options.credentials;
    const basic = credentials
      ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
      : undefined;
    if (basic) registerSecret(basic.slice('Basic '.length));
    if (scheme === 'basic') {
      if (!basic)
        throw new HttpError(`${this.host} needs a login: give registry-username/registry-password or logins`, 401);
      this.authorization = basic;
      return;
    }
    if (scheme !== 'bearer' || !params.realm)
      throw new HttpError(`${this.host} asked for unsupported auth ${JSON.stringify(scheme)}`, 401);
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    tokenUrl.searchParams.set('scope', `repository:${this.path}:pull,push`);
    const response = await fetchWithRetry(
      tokenUrl,
      { headers: basic ? { authorization: basic } : {}, timeoutMs: 30_000 },
      {
        label: `registry token ${tokenUrl.host}`,
        attempts: this.options.retry.attempts,
        baseDelayMs: this.options.retry.baseDelayMs,
        clock: this.options.retry.clock,
      },
    );
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new HttpError(`the token service of ${this.host} answered without a token`, 401);
    registerSecret(token);
    this.authorization = `Bearer ${token}`;
  }

  /** The digest a tag points at, or undefined when the tag does not exist. */
  async digest(reference: string): Promise<string | undefined> {
    const response = await this.send('HEAD', `manifests/${reference}`, { accept: MANIFEST_TYPES.join(', ') });
    if (response.status === 404) return undefined;
    const digest = response.headers.get('docker-content-digest');
    return digest ?? (await this.manifest(reference))?.digest;
  }

  async manifest(reference: string): Promise<Manifest | undefined> {
    const response = await this.send('GET', `manifests/${reference}`, { accept: MANIFEST_TYPES.join(', ') });
    if (response.status === 404) {
      await response.arrayBuffer().catch(() => undefined);
      return undefined;
    }
    const body = Buffer.from(await response.arrayBuffer());
    const mediaType =
      response.headers.get('content-type')?.split(';')[0]?.trim() ||
      (JSON.parse(body.toString()) as { mediaType?: string }).mediaType ||
      MANIFEST_TYPES[1]!;
    return { body, mediaType, digest: digestOf(body) };
  }

  /** Points `tag` at the manifest (the same bytes, so the same digest). */
  async tag(tag: string, manifest: Manifest): Promise<string> {
    const response = await this.send('PUT', `manifests/${tag}`, { 'content-type': manifest.mediaType }, manifest.body);
    if (response.status === 404) throw new HttpError(`PUT manifests/${tag} answered 404`, 404);
    await response.arrayBuffer().catch(() => undefined);
    return response.headers.get('docker-content-digest') ?? manifest.digest;
  }
}
