/**
 * Cache scopes, as github.com gives them to a job: the runner's ACTIONS_RUNTIME_TOKEN is a JWT whose
 * `ac` claim lists the cache scopes the job may use, e.g. a push to `feature` may read and write
 * `refs/heads/feature` and read `refs/heads/main` (the default branch); a pull request also reads its
 * base branch. Saves go to the one writable scope; restores search the readable scopes in order
 * ("Restrictions for accessing a cache", https://docs.github.com/actions/reference/dependency-caching-reference).
 * Permission bits as the runner writes them: 1 read, 2 write (3 both).
 */
import { createHmac } from 'node:crypto';

export interface Scope {
  scope: string;
  read: boolean;
  write: boolean;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A runtime token for a job on `ref` (e.g. `refs/heads/feature`): read+write on its ref (read only
 * with `write: false`), read on the default branch and on `baseRef` (pull requests).
 */
export function runtimeToken(options: {
  ref: string;
  defaultBranch?: string;
  baseRef?: string;
  write?: boolean;
}): string {
  const defaultRef = options.defaultBranch ?? 'refs/heads/main';
  const ac = [{ Scope: options.ref, Permission: options.write === false ? 1 : 3 }];
  for (const ref of [options.baseRef, defaultRef]) {
    if (ref && !ac.some((s) => s.Scope === ref)) ac.push({ Scope: ref, Permission: 1 });
  }
  const header = b64({ typ: 'JWT', alg: 'HS256' });
  const payload = b64({ ac: JSON.stringify(ac), iss: 'local-runner', exp: Math.floor(Date.now() / 1000) + 6 * 3600 });
  const signature = createHmac('sha256', 'local-runner').update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** The scopes of a runtime token; a token that is not such a JWT reads and writes `refs/heads/main`. */
export function scopesOf(token: string): Scope[] {
  const parts = token.split('.');
  if (parts.length === 3) {
    try {
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { ac?: string };
      const ac = JSON.parse(claims.ac ?? '[]') as { Scope: string; Permission: number }[];
      return ac.map((s) => ({ scope: s.Scope, read: (s.Permission & 1) === 1, write: (s.Permission & 2) === 2 }));
    } catch {
      // not one of ours: fall through to the default
    }
  }
  return [{ scope: 'refs/heads/main', read: true, write: true }];
}
