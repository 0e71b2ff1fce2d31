import type { Client } from 'pg';
import { errorCode } from '../../../shared/errors.js';
import type { MigrationRow } from './migrations.js';

/** A database problem explained without the URL: where, as whom, and what went wrong. */
export class DatabaseError extends Error {
  override name = 'DatabaseError';
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'authentication' | 'no-database' | 'query',
  ) {
    super(message);
  }
}

/** Prisma-only URL parameters that pg must not see (the `schema` one is used for the table). */
const PRISMA_PARAMS = [
  'schema',
  'connection_limit',
  'pool_timeout',
  'pgbouncer',
  'statement_cache_size',
  'socket_timeout',
  'connect_timeout',
];

export function pgConnectionString(url: URL): string {
  const copy = new URL(url.toString());
  for (const key of PRISMA_PARAMS) copy.searchParams.delete(key);
  return copy.toString();
}

/** The schema Prisma keeps `_prisma_migrations` in: `?schema=` of the URL, else public. */
export const schemaOf = (url: URL): string => url.searchParams.get('schema') || 'public';

export const where = (url: URL): string =>
  `${url.hostname}:${url.port || 5432}/${decodeURIComponent(url.pathname.slice(1))} as ${decodeURIComponent(url.username) || 'the default user'}`;

export function explainConnectionError(error: unknown, url: URL): DatabaseError {
  const code = errorCode(error);
  const at = where(url);
  const message = error instanceof Error ? error.message : String(error);
  if (code === '28P01' || code === '28000') {
    return new DatabaseError(
      `authentication failed connecting to ${at}: wrong user or password (${code})`,
      'authentication',
    );
  }
  if (code === '3D000') return new DatabaseError(`database does not exist at ${at} (3D000)`, 'no-database');
  if (code && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET)$/.test(code)) {
    return new DatabaseError(`cannot reach the database server at ${at}: ${code}`, 'unreachable');
  }
  if (/timeout/i.test(message)) {
    return new DatabaseError(`cannot reach the database server at ${at}: connection timed out`, 'unreachable');
  }
  return new DatabaseError(`cannot connect to ${at}: ${code ? `${code} ` : ''}${message}`, 'unreachable');
}

export async function connect(url: URL, timeoutMs: number): Promise<Client> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    connectionString: pgConnectionString(url),
    connectionTimeoutMillis: timeoutMs,
    application_name: 'prisma-migrate-action',
  });
  client.on('error', () => {}); // a dropped idle connection must not crash the step
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw explainConnectionError(error, url);
  }
  return client;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The rows of `_prisma_migrations`, or undefined when the table does not exist (a fresh database). */
export async function readMigrationTable(client: Client, schema: string): Promise<MigrationRow[] | undefined> {
  const table = `${quoteIdent(schema)}._prisma_migrations`;
  const exists = await client.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [table]);
  if (!exists.rows[0]?.found) return undefined;
  const result = await client.query<MigrationRow>(
    `SELECT migration_name, checksum, started_at, finished_at, rolled_back_at, logs, applied_steps_count
       FROM ${table} ORDER BY started_at, migration_name`,
  );
  return result.rows;
}

/** Connects, reads the table, disconnects. */
export async function readState(url: URL, timeoutMs: number): Promise<MigrationRow[] | undefined> {
  const client = await connect(url, timeoutMs);
  try {
    return await readMigrationTable(client, schemaOf(url));
  } catch (error) {
    throw new DatabaseError(`reading _prisma_migrations at ${where(url)} failed: ${(error as Error).message}`, 'query');
  } finally {
    await client.end().catch(() => {});
  }
}

/** Prisma's advisory lock key (the one `prisma migrate deploy` takes). */
export const PRISMA_LOCK_KEY = 72707369;

/**
 * What `prisma migrate resolve` records, done in one transaction under Prisma's advisory lock
 * (the CLI's resolve needs the native schema engine, which offline setups do not have):
 * rolled-back marks the failed attempt; applied also records a finished row with the local
 * checksum, as Prisma does.
 */
export async function markResolved(
  url: URL,
  timeoutMs: number,
  migration: { name: string; checksum?: string },
  as: 'rolled-back' | 'applied',
): Promise<void> {
  const client = await connect(url, timeoutMs);
  const table = `${quoteIdent(schemaOf(url))}._prisma_migrations`;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_LOCK_KEY]);
    await client.query('BEGIN');
    await client.query(
      `UPDATE ${table} SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL`,
      [migration.name],
    );
    if (as === 'applied') {
      await client.query(
        `INSERT INTO ${table} (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES (gen_random_uuid()::text, $1, $2, now(), now(), 0)`,
        [migration.checksum, migration.name],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw new DatabaseError(`marking ${migration.name} ${as} failed: ${(error as Error).message}`, 'query');
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_LOCK_KEY]).catch(() => {});
    await client.end().catch(() => {});
  }
}
