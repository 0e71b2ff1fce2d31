// What the apps use to talk to the database: Prisma Client (generated to ../generated/client,
// Rust-free, wasm query compiler) over the pg driver adapter, on the pool from ./pool.js.
import { PrismaPg } from '@prisma/adapter-pg';
import prismaClientModule from '../generated/client/index.js';
import { createPool } from './pool.js';

export const { PrismaClient, Prisma } = prismaClientModule;
export { createPool, NameAsTextClient, PrismaPgPool, reportNameAsText } from './pool.js';

/**
 * @param {string} [connectionString] defaults to DATABASE_URL
 */
export function createPrismaClient(connectionString = process.env.DATABASE_URL) {
  const pool = createPool(connectionString);
  // PrismaPg accepts a ready pg.Pool; the client owns it and ends it on $disconnect().
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}
