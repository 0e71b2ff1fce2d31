/**
 * Cache entries and how GitHub matches them (https://docs.github.com/actions/reference/dependency-caching-reference,
 * "Cache key matching"): in each readable scope in order (the job's ref, then its base and the
 * default branch), for each key in order (the key, then the restore keys), an exact key match first,
 * then the most recent entry whose key starts with it. An entry only matches its own `version`
 * (a hash of the paths and compression). Entries are immutable once committed; a key+version is
 * unique per scope. Archives live in memory.
 */
import type { Scope } from './scopes.js';

export interface CacheEntry {
  id: number;
  key: string;
  version: string;
  scope: string;
  size?: number;
  /** v1 chunks (by byte offset) or v2 blocks (by block id), until committed. */
  chunks: { start: number; data: Buffer }[];
  blocks: Map<string, Buffer>;
  /** v2: the uploaded blob, before FinalizeCacheEntryUpload. */
  blob?: Buffer;
  archive?: Buffer;
  committed: boolean;
  created: number;
}

export class Entries {
  readonly list: CacheEntry[] = [];
  private nextId = 1;

  find(keys: string[], version: string, scopes: Scope[]): CacheEntry | undefined {
    for (const scope of scopes.filter((s) => s.read)) {
      const usable = this.list.filter((e) => e.committed && e.version === version && e.scope === scope.scope);
      for (const key of keys) {
        const exact = usable.find((e) => e.key === key);
        if (exact) return exact;
        const prefixed = usable
          .filter((e) => e.key.startsWith(key))
          .sort((a, b) => b.created - a.created || b.id - a.id);
        if (prefixed[0]) return prefixed[0];
      }
    }
    return undefined;
  }

  /** The entry with this key and version in a scope, committed or not. */
  existing(key: string, version: string, scope: string): CacheEntry | undefined {
    return this.list.find((e) => e.key === key && e.version === version && e.scope === scope);
  }

  create(key: string, version: string, scope: string, size?: number): CacheEntry {
    const entry: CacheEntry = {
      id: this.nextId++,
      key,
      version,
      scope,
      size,
      chunks: [],
      blocks: new Map(),
      committed: false,
      created: Date.now(),
    };
    this.list.push(entry);
    return entry;
  }

  byId(id: number): CacheEntry | undefined {
    return this.list.find((e) => e.id === id);
  }

  commit(entry: CacheEntry, archive: Buffer): void {
    entry.archive = archive;
    entry.size = archive.length;
    entry.chunks = [];
    entry.blocks.clear();
    entry.blob = undefined;
    entry.committed = true;
  }
}
