import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import * as core from '@actions/core';
import { errorMessage } from '../../../shared/errors.js';
import { exec } from '../../../shared/exec.js';
import { info } from '../../../shared/log.js';
import type { CacheSpec } from './keys.js';

export interface Restored {
  matchedKey: string;
  /** Bytes of the archive when the backend knows it. */
  archiveBytes?: number;
}

export interface CacheBackend {
  name: 'github' | 'local';
  restore(spec: CacheSpec): Promise<Restored | undefined>;
  /** Saves; resolves with the archive size, or undefined when the key already exists (a no-op). */
  save(spec: CacheSpec): Promise<number | undefined>;
}

/** GitHub's cache service through the unmodified @actions/cache (imported lazily). */
export class GitHubBackend implements CacheBackend {
  readonly name = 'github';
  constructor(private readonly timeoutMs: number) {}

  private async cache() {
    const cache = await import('@actions/cache');
    if (!cache.isFeatureAvailable()) {
      throw new Error(
        'the GitHub cache service is not available to this job (ACTIONS_CACHE_URL / ACTIONS_RESULTS_URL unset)',
      );
    }
    return cache;
  }

  async restore(spec: CacheSpec): Promise<Restored | undefined> {
    const cache = await this.cache();
    const matchedKey = await cache.restoreCache(spec.paths, spec.key, spec.restoreKeys, {
      segmentTimeoutInMs: this.timeoutMs,
      timeoutInMs: Math.min(this.timeoutMs, 60_000),
    });
    return matchedKey ? { matchedKey } : undefined;
  }

  async save(spec: CacheSpec): Promise<number | undefined> {
    const cache = await this.cache();
    // @actions/cache turns reserve conflicts into an info line and other failures into a warning
    // and -1; a ValidationError (bad key or paths) is thrown.
    const id = await cache.saveCache(spec.paths, spec.key);
    if (id === -1) throw new Error('the cache service did not accept the entry (see the warning above)');
    return 0;
  }
}

interface Meta {
  key: string;
  file: string;
  size: number;
  created: number;
  /**
   * The spec's paths when the entry was saved, in order (absent in entries of older versions). The
   * archive holds them under their absolute names; a restore maps the i-th saved path onto the i-th
   * path asked for, so node_modules saved from /runner-1/_work/repo restores into /runner-2/_work/repo.
   */
  paths?: string[];
}

const TAR_ZSTD = ['-I', 'zstd -T0'];

/**
 * A cache in a local directory for self-hosted runners: `entries/<hash>.tar.zst` + `<hash>.json`.
 * Writes are atomic (temporary file, then rename), so a concurrent job never reads half an entry; the
 * metadata file's mtime is the last use, and a save evicts least-recently-used entries until the
 * directory fits its size budget. A restore unpacks into a staging directory first and only then
 * moves each path into place, so an interrupted or failed restore leaves nothing half-written.
 * Paths are mapped by position (see Meta.paths), so an entry saved from another working directory
 * restores into this one; an entry that holds none of the paths asked for is a miss.
 */
export class LocalBackend implements CacheBackend {
  readonly name = 'local';
  private readonly entries: string;
  private readonly temp: string;
  constructor(
    readonly root: string,
    readonly limitBytes: number,
  ) {
    this.entries = join(root, 'entries');
    this.temp = join(root, 'tmp');
    mkdirSync(this.entries, { recursive: true });
    mkdirSync(this.temp, { recursive: true });
  }

  private id = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 40);

  private metas(): (Meta & { used: number })[] {
    const result: (Meta & { used: number })[] = [];
    for (const name of readdirSync(this.entries).filter((n) => n.endsWith('.json'))) {
      try {
        const path = join(this.entries, name);
        const meta = JSON.parse(readFileSync(path, 'utf8')) as Meta;
        if (existsSync(join(this.entries, meta.file))) result.push({ ...meta, used: statSync(path).mtimeMs });
      } catch {
        // an entry another job is deleting right now
      }
    }
    return result;
  }

  find(spec: Pick<CacheSpec, 'key' | 'restoreKeys'>): Meta | undefined {
    const metas = this.metas();
    const exact = metas.find((m) => m.key === spec.key);
    if (exact) return exact;
    for (const prefix of spec.restoreKeys) {
      const found = metas.filter((m) => m.key.startsWith(prefix)).sort((a, b) => b.created - a.created)[0];
      if (found) return found;
    }
    return undefined;
  }

  async restore(spec: CacheSpec): Promise<Restored | undefined> {
    const meta = this.find(spec);
    if (!meta) return undefined;
    const stagingRoot = process.env.RUNNER_TEMP ?? tmpdir();
    mkdirSync(stagingRoot, { recursive: true });
    const staging = mkdtempSync(join(stagingRoot, 'setup-monorepo-restore-'));
    try {
      await exec('tar', [...TAR_ZSTD, '-xf', join(this.entries, meta.file), '-C', staging], { stream: false });
      const saved = meta.paths?.length === spec.paths.length ? meta.paths : spec.paths;
      let restored = 0;
      for (const [index, path] of spec.paths.entries()) {
        const staged = join(staging, relative('/', saved[index]!));
        if (!existsSync(staged)) continue;
        rmSync(path, { recursive: true, force: true });
        mkdirSync(dirname(path), { recursive: true });
        try {
          renameSync(staged, path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
          cpSync(staged, path, { recursive: true, verbatimSymlinks: true });
        }
        restored++;
      }
      if (!restored) {
        info(`local cache: ${meta.key} holds none of ${spec.paths.join(', ')}; treated as a miss`);
        return undefined;
      }
      const now = new Date();
      utimesSync(join(this.entries, `${this.id(meta.key)}.json`), now, now);
      return { matchedKey: meta.key, archiveBytes: meta.size };
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  async save(spec: CacheSpec): Promise<number | undefined> {
    const id = this.id(spec.key);
    if (existsSync(join(this.entries, `${id}.json`))) return undefined;
    const paths = spec.paths.filter((p) => existsSync(p)).map((p) => relative('/', p));
    if (!paths.length) throw new Error(`none of the paths exist: ${spec.paths.join(', ')}`);
    const unique = `${id}-${process.pid}-${randomBytes(4).toString('hex')}`;
    const archiveTemp = join(this.temp, `${unique}.tar.zst`);
    try {
      await exec('tar', [...TAR_ZSTD, '-cf', archiveTemp, '-C', '/', ...paths], { stream: false });
      const size = statSync(archiveTemp).size;
      const file = `${id}.tar.zst`;
      renameSync(archiveTemp, join(this.entries, file));
      const meta: Meta = { key: spec.key, file, size, created: Date.now(), paths: spec.paths };
      const metaTemp = join(this.temp, `${unique}.json`);
      writeFileSync(metaTemp, JSON.stringify(meta));
      renameSync(metaTemp, join(this.entries, `${id}.json`));
      this.evict(spec.key);
      return size;
    } finally {
      rmSync(archiveTemp, { force: true });
    }
  }

  /** Least-recently-used eviction down to the size budget; the entry just saved is kept. */
  evict(keep: string): string[] {
    const metas = this.metas().sort((a, b) => a.used - b.used);
    let total = metas.reduce((sum, m) => sum + m.size, 0);
    const evicted: string[] = [];
    for (const meta of metas) {
      if (total <= this.limitBytes) break;
      if (meta.key === keep) continue;
      try {
        rmSync(join(this.entries, `${this.id(meta.key)}.json`), { force: true });
        rmSync(join(this.entries, meta.file), { force: true });
        total -= meta.size;
        evicted.push(meta.key);
        info(`local cache: evicted ${meta.key} (${(meta.size / 1048576).toFixed(1)} MB, least recently used)`);
      } catch (error) {
        core.warning(`local cache: could not evict ${meta.key}: ${errorMessage(error)}`);
      }
    }
    return evicted;
  }
}
