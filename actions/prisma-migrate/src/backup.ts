import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../../../shared/exec.js';
import { schemaOf } from './database.js';

/**
 * pg_dump of the target database in the custom format (compressed; restore with pg_restore).
 * The connection goes through PG* variables: the password is never on a command line.
 */
export async function backupDatabase(
  url: URL,
  dir: string,
  now = new Date(),
): Promise<{ path: string; bytes: number }> {
  mkdirSync(dir, { recursive: true });
  const database = decodeURIComponent(url.pathname.slice(1));
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const path = join(dir, `${database.replace(/[^\w.-]/g, '_')}-${stamp}.dump`);
  const sslmode = url.searchParams.get('sslmode');
  await exec(
    'pg_dump',
    ['--format=custom', '--compress=6', '--no-password', `--schema=${schemaOf(url)}`, `--file=${path}`],
    {
      env: {
        PGHOST: url.hostname,
        PGPORT: url.port || '5432',
        PGUSER: decodeURIComponent(url.username),
        PGPASSWORD: decodeURIComponent(url.password),
        PGDATABASE: database,
        PGSSLMODE: sslmode ?? process.env.PGSSLMODE,
        PGCONNECT_TIMEOUT: '10',
      },
    },
  );
  return { path, bytes: statSync(path).size };
}
