/**
 * The runner as GitHub's OIDC issuer: a job with `id-token: write` can get an RS256 ID token whose
 * claims are GitHub's (docs, "About security hardening with OpenID Connect": `sub` is
 * `repo:O/R:environment:NAME` for a job with an environment, else `repo:O/R:ref:<ref>`, or
 * `repo:O/R:pull_request`). STS would fetch the issuer's keys from its JWKS URL; the AWS emulator is
 * handed them instead (`POST /_emulator/oidc/keys`, emulator-only).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSign,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Json } from './expressions.js';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

export interface Issuer {
  kid: string;
  jwk: Record<string, unknown>;
  privateKey: KeyObject;
}

/**
 * One signing key per machine (a file under the run root), so concurrent runs sign with the key the
 * AWS emulator holds for the issuer: registering replaces the issuer's keys.
 */
export function loadIssuer(file: string): Issuer {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    mkdirSync(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    try {
      linkSync(temp, file); // atomic: the first process to get here wins, the others read its key
    } catch {
      /* another run made it first */
    } finally {
      rmSync(temp, { force: true });
    }
    pem = readFileSync(file, 'utf8');
  }
  const privateKey = createPrivateKey(pem);
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, unknown>;
  const kid = createHash('sha256').update(String(publicJwk.n)).digest('hex').slice(0, 16);
  return { kid, privateKey, jwk: { ...publicJwk, kid, alg: 'RS256', use: 'sig' } };
}

export const issuerFile = (repoRoot: string): string => join(repoRoot, '.local/runner/oidc-key.pem');

export interface JobIdentity {
  github: Record<string, Json>;
  environment?: string;
  /** `owner/repo/.github/workflows/x.yml@ref` of the workflow the job is in. */
  jobWorkflowRef: string;
}

/** The `sub` claim GitHub gives this job. */
export function subject(identity: JobIdentity): string {
  const { github, environment } = identity;
  const repo = `repo:${String(github.repository)}`;
  if (environment) return `${repo}:environment:${environment}`;
  if (github.event_name === 'pull_request') return `${repo}:pull_request`;
  return `${repo}:ref:${String(github.ref)}`;
}

/** GitHub's claims for the job (valid five minutes), signed RS256 with the issuer's key. */
export function idToken(issuer: Issuer, identity: JobIdentity, audience: string, now = Date.now()): string {
  const { github, environment } = identity;
  const iat = Math.floor(now / 1000);
  const claims: Record<string, Json> = {
    iss: GITHUB_ISSUER,
    aud: audience,
    sub: subject(identity),
    jti: createHash('sha256').update(`${iat}${Math.random()}`).digest('hex').slice(0, 32),
    repository: github.repository ?? '',
    repository_owner: github.repository_owner ?? '',
    ref: github.ref ?? '',
    ref_type: github.ref_type ?? '',
    sha: github.sha ?? '',
    workflow: github.workflow ?? '',
    event_name: github.event_name ?? '',
    actor: github.actor ?? '',
    run_id: github.run_id ?? '',
    run_attempt: github.run_attempt ?? '1',
    job_workflow_ref: identity.jobWorkflowRef,
    runner_environment: 'github-hosted',
    iat,
    nbf: iat,
    exp: iat + 300,
  };
  if (environment) claims.environment = environment;
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const signed = `${b64({ alg: 'RS256', typ: 'JWT', kid: issuer.kid })}.${b64(claims)}`;
  return `${signed}.${createSign('RSA-SHA256').update(signed).sign(issuer.privateKey).toString('base64url')}`;
}

/** Hands the issuer's public key to the AWS emulator (what STS fetches from the JWKS URL on AWS). */
export async function registerIssuer(endpoint: string, issuer: Issuer): Promise<void> {
  const response = await fetch(`${endpoint.replace(/\/$/, '')}/_emulator/oidc/keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ issuer: GITHUB_ISSUER, keys: [issuer.jwk] }),
  });
  if (!response.ok)
    throw new Error(`AWS emulator: registering the OIDC keys: HTTP ${response.status} ${await response.text()}`);
}
