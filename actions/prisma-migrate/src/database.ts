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
