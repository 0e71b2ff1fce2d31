import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type CacheId = 'pnpm-store' | 'node-modules' | 'turbo' | 'go-mod' | 'go-build';

/** One cache: what it holds, its exact key, and the prefixes a restore may fall back to. */
export interface CacheSpec {
  id: CacheId;
  paths: string[];
  key: string;
  restoreKeys: string[];
}

/** sha256 of the given files' contents (missing files count as empty, with their name), 16 hex digits. */
export function hashFiles(dir: string, files: string[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort()) {
    hash.update(`${file}\0`);
    const path = join(dir, file);
    if (existsSync(path)) hash.update(readFileSync(path));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export interface KeyContext {
  prefix: string;
  os: string;
  arch: string;
  nodeVersion: string;
  pnpmVersion: string;
  lockHash: string;
  /** Hash of everything that shapes node_modules: lockfile, manifests, .npmrc, workspace file. */
  manifestHash: string;
  sha: string;
  goVersion?: string;
  goSumHash?: string;
}

export const runnerOs = (): string => (process.env.RUNNER_OS ?? process.platform).toLowerCase();
export const runnerArch = (): string => (process.env.RUNNER_ARCH ?? process.arch).toLowerCase();

/**
 * The keys, pure. The pnpm store key holds OS, arch, Node major, pnpm version and the lockfile hash;
 * its restore prefix drops only the lockfile hash (a store from an older lockfile still saves most
 * downloads). node_modules is exact-key only: a node_modules from another lockfile is wrong, not stale.
 * Turbo's cache is per commit with a prefix fallback, as its entries are content-addressed.
 */
export function cacheKeys(ctx: KeyContext) {
  const major = ctx.nodeVersion.split('.')[0];
  const platform = `${ctx.os}-${ctx.arch}`;
  const storeBase = `${ctx.prefix}-pnpm-store-${platform}-node${major}-pnpm${ctx.pnpmVersion}-`;
  const keys: Record<CacheId, { key: string; restoreKeys: string[] }> = {
    'pnpm-store': { key: `${storeBase}${ctx.lockHash}`, restoreKeys: [storeBase] },
    'node-modules': {
      key: `${ctx.prefix}-node-modules-${platform}-node${major}-pnpm${ctx.pnpmVersion}-${ctx.manifestHash}`,
      restoreKeys: [],
    },
    turbo: { key: `${ctx.prefix}-turbo-${platform}-${ctx.sha}`, restoreKeys: [`${ctx.prefix}-turbo-${platform}-`] },
    'go-mod': {
      key: `${ctx.prefix}-go-mod-${platform}-${ctx.goSumHash}`,
      restoreKeys: [`${ctx.prefix}-go-mod-${platform}-`],
    },
    'go-build': {
      key: `${ctx.prefix}-go-build-${platform}-go${ctx.goVersion}-${ctx.goSumHash}-${ctx.sha}`,
      restoreKeys: [
        `${ctx.prefix}-go-build-${platform}-go${ctx.goVersion}-${ctx.goSumHash}-`,
        `${ctx.prefix}-go-build-${platform}-go${ctx.goVersion}-`,
      ],
    },
  };
  return keys;
}

/** The parts of the event payload (GITHUB_EVENT_PATH) this action reads. */
export interface EventPayload {
  pull_request?: { head?: { repo?: { fork?: boolean; full_name?: string } | null }; base?: { sha?: string } };
  merge_group?: { base_sha?: string };
  before?: string;
  created?: boolean;
  repository?: { default_branch?: string };
}

/** Fork pull requests never save: their caches would be readable by the base repository's runs. */
export function isForkPullRequest(eventName: string | undefined, payload: EventPayload, repository?: string): boolean {
  if (!eventName?.startsWith('pull_request')) return false;
  const head = payload.pull_request?.head?.repo;
  if (!head) return false;
  return Boolean(head.fork) || (repository !== undefined && head.full_name !== repository);
}
