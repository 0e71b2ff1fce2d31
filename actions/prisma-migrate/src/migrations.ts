import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One folder of the migrations directory. */
export interface LocalMigration {
  name: string;
  /** Absolute path of its migration.sql. */
  file: string;
  sql: string;
  /** What Prisma stores in `_prisma_migrations.checksum`: SHA-256 hex of the file's bytes. */
  checksum: string;
}

/** One row of `_prisma_migrations`. */
export interface MigrationRow {
  migration_name: string;
  checksum: string;
  started_at: Date;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

export interface FailedMigration {
  name: string;
  startedAt: Date;
  logs: string;
}

export interface Preflight {
  /** The database has no `_prisma_migrations` table yet. */
  fresh: boolean;
  /** Local migrations not applied (in order). */
  pending: LocalMigration[];
  /** Started and never finished nor rolled back: Prisma refuses to go on (P3009). */
  failed: FailedMigration[];
  /** Applied, but the local migration.sql differs from what was applied. */
  modified: { name: string; applied: string; local: string }[];
  /** Applied in the database, no folder here. */
  missing: string[];
  /** Names applied (finished) in the database, in order. */
  applied: string[];
}

export const checksum = (content: Buffer | string): string => createHash('sha256').update(content).digest('hex');

/** The migration folders (those holding a migration.sql), sorted by name as Prisma applies them. */
export function readLocalMigrations(dir: string): LocalMigration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const file = join(dir, name, 'migration.sql');
      const bytes = readFileSync(file);
      return { name, file, sql: bytes.toString('utf8'), checksum: checksum(bytes) };
    });
}

/** Compares the folder with the table. `rows` undefined: no table (a fresh database). */
export function compare(local: LocalMigration[], rows: MigrationRow[] | undefined): Preflight {
  const byName = new Map<string, MigrationRow[]>();
  for (const row of rows ?? []) byName.set(row.migration_name, [...(byName.get(row.migration_name) ?? []), row]);
  const localNames = new Set(local.map((m) => m.name));

  const failed: FailedMigration[] = [];
  const applied: string[] = [];
  const modified: Preflight['modified'] = [];
  const missing: string[] = [];
  const names = [...byName.keys()].sort();
  for (const name of names) {
    const history = byName.get(name)!;
    const finished = history.find((row) => row.finished_at && !row.rolled_back_at);
    const open = history.find((row) => !row.finished_at && !row.rolled_back_at);
    if (open && !finished) {
      failed.push({ name, startedAt: open.started_at, logs: open.logs ?? '' });
      continue;
    }
    if (!finished) continue; // only rolled-back attempts: pending again
    applied.push(name);
    const mine = local.find((m) => m.name === name);
    if (!mine) missing.push(name);
    else if (mine.checksum !== finished.checksum) {
      modified.push({ name, applied: finished.checksum, local: mine.checksum });
    }
  }
  const done = new Set([...applied, ...failed.map((f) => f.name)]);
  return {
    fresh: rows === undefined,
    pending: local.filter((m) => !done.has(m.name)),
    failed,
    modified,
    missing: missing.filter((name) => !localNames.has(name)),
    applied,
  };
}

/** The one-word state a workflow branches on (worst first). */
export function statusOf(preflight: Preflight): 'failed' | 'modified' | 'fresh' | 'pending' | 'up-to-date' {
  if (preflight.failed.length) return 'failed';
  if (preflight.modified.length) return 'modified';
  if (preflight.fresh) return 'fresh';
  if (preflight.pending.length) return 'pending';
  return 'up-to-date';
}
