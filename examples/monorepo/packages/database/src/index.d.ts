import type { PrismaClient as GeneratedPrismaClient, Prisma as PrismaNamespace } from '../generated/client/index.js';

export { createPool, NameAsTextClient, PrismaPgPool, reportNameAsText } from './pool.js';
export declare const PrismaClient: typeof GeneratedPrismaClient;
export type PrismaClient = GeneratedPrismaClient;
export declare const Prisma: typeof PrismaNamespace;
export declare function createPrismaClient(connectionString?: string): GeneratedPrismaClient;
