/**
 * Registry logins: a per-run DOCKER_CONFIG directory (removed by the post step), passwords through
 * stdin only, Amazon ECR through the AWS SDK's GetAuthorizationToken.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsClientConfig } from '../../../shared/aws.js';
import type { Clock } from '../../../shared/clock.js';
import { registerSecret } from '../../../shared/secrets.js';
import { dockerWithRetry } from './docker.js';
import type { Login } from './inputs.js';
import { ECR_HOST } from './reference.js';

/**
 * A fresh docker configuration directory for this run. The user's existing config.json is carried
 * over (earlier logins keep working) without its credential store, so our logins stay in the file
 * that the post step deletes.
 */
export function prepareDockerConfig(): string {
  // Not under RUNNER_TEMP: the post step removes it, and must find it.
  const dir = mkdtempSync(join(tmpdir(), 'build-push-image-docker-'));
  const existing = join(process.env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
  if (existsSync(existing)) {
    try {
      const config = JSON.parse(readFileSync(existing, 'utf8')) as Record<string, unknown>;
      delete config.credsStore;
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
    } catch {
      copyFileSync(existing, join(dir, 'config.json'));
    }
  }
  return dir;
}

export interface LoginSettings {
  env: Record<string, string>;
  attempts: number;
  baseDelayMs: number;
  clock?: Clock;
}

export async function dockerLogin(login: Login, settings: LoginSettings): Promise<void> {
  registerSecret(login.password);
  await dockerWithRetry(['login', '--username', login.username, '--password-stdin', login.registry], {
    env: settings.env,
    input: login.password,
    label: `docker login ${login.registry}`,
    attempts: settings.attempts,
    baseDelayMs: settings.baseDelayMs,
    clock: settings.clock,
  });
}

/** The ECR registries that the images name, grouped by region: region -> account ids. */
export function ecrRegistriesOf(hosts: string[]): Map<string, string[]> {
  const byRegion = new Map<string, string[]>();
  for (const host of hosts) {
    const match = ECR_HOST.exec(host);
    if (!match) continue;
    const [, account, region] = match;
    const accounts = byRegion.get(region!) ?? [];
    if (!accounts.includes(account!)) accounts.push(account!);
    byRegion.set(region!, accounts);
  }
  return byRegion;
}

/** Asks ECR for a registry password (valid 12 hours) per registry; every secret part is masked. */
export async function ecrLogins(region: string | undefined, registryIds: string[]): Promise<Login[]> {
  const { ECRClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
  const client = new ECRClient(awsClientConfig(region));
  try {
    const response = await client.send(new GetAuthorizationTokenCommand(registryIds.length ? { registryIds } : {}));
    const logins: Login[] = [];
    for (const data of response.authorizationData ?? []) {
      if (!data.authorizationToken || !data.proxyEndpoint) continue;
      registerSecret(data.authorizationToken);
      const decoded = Buffer.from(data.authorizationToken, 'base64').toString();
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new Error('ECR returned an authorization token that is not user:password');
      const password = decoded.slice(colon + 1);
      registerSecret(password);
      const endpoint = data.proxyEndpoint.includes('://') ? data.proxyEndpoint : `https://${data.proxyEndpoint}`;
      logins.push({ registry: new URL(endpoint).host, username: decoded.slice(0, colon), password });
    }
    if (!logins.length) throw new Error('ECR GetAuthorizationToken returned no authorization data');
    return logins;
  } finally {
    client.destroy();
  }
}
