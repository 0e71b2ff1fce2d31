/**
 * Control endpoints (`/_emulator/...`, no auth), for tests, the local runner (per-job tokens) and
 * the local pipeline (approvals). Bad input is a 400 `{ message }` naming the field.
 */
import type { FaultSpec } from './limits.js';
import { notFound, Reply } from './shapes.js';
import type { Permission, RoleSeed, Seed, TokenLevel, TokenScope } from './store.js';

/** What control needs of the emulator (the GitHubEmulator class provides it). */
export interface Controlled {
  reset(): void;
  seed(seed: Seed): void;
  addRole(seed: RoleSeed): void;
  setPermission(repo: string, login: string, role: string): void;
  setMembership(
    team: string,
    login: string,
    state: 'active' | 'pending' | 'removed',
    role?: 'member' | 'maintainer',
  ): void;
  revokeToken(token: string): void;
  mintToken(
    repository: string,
    permissions: Partial<Record<TokenScope, TokenLevel>>,
  ): { token: string; expires_at: string };
  injectFault(fault: FaultSpec): void;
  timeOffsetMs: number;
  now(): Date;
  stats(since?: number): unknown;
  log: unknown[];
  issuesWithComments(repo: string): unknown;
  latestOpenIssue(repo: string, label?: string): { number: number } | undefined;
  postComment(repo: string, issue: number, login: string, body: string, createdAt?: string): { id: number };
  commentJson(repo: string, id: number): unknown;
  editComment(id: number, body: string): unknown;
  deleteIssue(repo: string, issue: number): void;
}

export function control(emulator: Controlled, method: string, url: URL, body: Record<string, unknown>): Reply {
  const path = url.pathname.slice('/_emulator'.length);
  const str = (key: string) => {
    const value = body[key];
    if (typeof value !== 'string' || !value) throw new Error(`${key}: missing; expected a non-empty string`);
    return value;
  };
  try {
    if (method === 'GET' && path === '/stats')
      return new Reply(200, emulator.stats(Number(url.searchParams.get('since') ?? 0)));
    if (method === 'GET' && path === '/requests') return new Reply(200, emulator.log);
    if (method === 'GET' && path === '/health') return new Reply(200, { ok: true });
    if (method === 'GET' && path === '/issues')
      return new Reply(200, emulator.issuesWithComments(url.searchParams.get('repo') ?? ''));
    if (method !== 'POST') return notFound();
    switch (path) {
      case '/reset':
        emulator.reset();
        return new Reply(200, { ok: true });
      case '/seed':
        emulator.seed(body as Seed);
        return new Reply(200, { ok: true });
      case '/role':
        emulator.addRole({ org: str('org'), name: str('name'), base: str('base') as RoleSeed['base'] });
        return new Reply(200, { ok: true });
      case '/tokens': {
        const permissions = body.permissions ?? {};
        if (typeof permissions !== 'object' || Array.isArray(permissions))
          throw new Error('permissions: not an object; expected { "<scope>": "read" | "write" | "none" }');
        const minted = emulator.mintToken(str('repository'), permissions as Record<TokenScope, TokenLevel>);
        return new Reply(201, minted);
      }
      case '/permission':
        emulator.setPermission(str('repo'), str('user'), str('permission') as Permission);
        return new Reply(200, { ok: true });
      case '/membership':
        emulator.setMembership(
          str('team'),
          str('user'),
          ((body.state as string) ?? 'active') as 'active',
          ((body.role as string) ?? 'member') as 'member',
        );
        return new Reply(200, { ok: true });
      case '/revoke':
        emulator.revokeToken(str('token'));
        return new Reply(200, { ok: true });
      case '/fault':
        emulator.injectFault(body as unknown as FaultSpec);
        return new Reply(200, { ok: true });
      case '/time':
        emulator.timeOffsetMs = Number(body.offsetMs ?? 0);
        return new Reply(200, { now: emulator.now().toISOString() });
      case '/comment':
      case '/approve':
      case '/deny': {
        // `--approve-as <login>`: a `/approve [reason]` comment on the newest open issue (or `issue`).
        const repo = str('repo');
        const number = body.issue ? Number(body.issue) : emulator.latestOpenIssue(repo, body.label as string)?.number;
        if (!number) return new Reply(404, { message: `no open issue in ${repo}` });
        const text = path === '/comment' ? str('body') : `${path}${body.reason ? ` ${body.reason}` : ''}`;
        const created = path === '/comment' ? (body.created_at as string | undefined) : undefined;
        const c = emulator.postComment(repo, number, str('user'), text, created);
        return new Reply(201, emulator.commentJson(repo, c.id));
      }
      case '/edit-comment':
        return new Reply(200, emulator.editComment(Number(body.id), str('body')));
      case '/delete-issue':
        emulator.deleteIssue(str('repo'), Number(body.issue));
        return new Reply(200, { ok: true });
      default:
        return notFound();
    }
  } catch (error) {
    return new Reply(400, { message: (error as Error).message });
  }
}
