// A pg Pool whose clients report `name` columns (oid 19) as `text` (oid 25).
//
// Prisma's pg driver adapter (6.19) maps every result column by its type oid and rejects
// `name`, which PostgreSQL's catalogs use everywhere (pg_namespace.nspname, ...). The wasm
// schema engine behind `prisma migrate` reads those catalogs through the adapter, so without
// this it fails with an unsupported column type (open bug prisma/orm#27403). Values of a
// `name` column are plain strings on the wire, so reporting them as `text` is exact.
import pg from 'pg';

const NAME_OID = 19;
const TEXT_OID = 25;

/**
 * Rewrites the field descriptions of one result (or of each result of a multi-statement query).
 * @template T
 * @param {T} result
 * @returns {T}
 */
export function reportNameAsText(result) {
  const results = Array.isArray(result) ? result : [result];
  for (const one of results) {
    const fields = one && typeof one === 'object' && 'fields' in one ? one.fields : undefined;
    if (!Array.isArray(fields)) continue;
    for (const field of fields) {
      if (field && field.dataTypeID === NAME_OID) field.dataTypeID = TEXT_OID;
    }
  }
  return result;
}

export class NameAsTextClient extends pg.Client {
  /**
   * @param {...any} args every form of pg's Client#query
   * @returns {any}
   */
  query(...args) {
    // pg-pool's Pool#query calls its client with a callback; the adapter's transactions use
    // the promise form on a checked-out client. Both are rewritten.
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last];
      args[last] = (/** @type {unknown} */ error, /** @type {unknown} */ result) =>
        callback(error, error ? result : reportNameAsText(result));
    }
    const result = /** @type {(...args: any[]) => any} */ (super.query).apply(this, args);
    if (result && typeof result.then === 'function') return result.then(reportNameAsText);
    return result;
  }
}

export class PrismaPgPool extends pg.Pool {
  /** @param {pg.PoolConfig} [config] */
  constructor(config = {}) {
    super({ ...config, Client: NameAsTextClient });
  }
}

/**
 * @param {string} [connectionString] defaults to DATABASE_URL
 * @param {pg.PoolConfig} [options]
 */
export function createPool(connectionString = process.env.DATABASE_URL, options = {}) {
  if (!connectionString) throw new Error('DATABASE_URL is not set');
  return new PrismaPgPool({
    max: 5,
    connectionTimeoutMillis: 5000,
    allowExitOnIdle: true,
    ...options,
    connectionString,
  });
}
