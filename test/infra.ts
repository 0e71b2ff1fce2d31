/**
 * Addresses of the local infrastructure started by `bash local/infra/infra.sh up` (see
 * local/infra/README.md). The same values are written to `.local/infra.env` by `up`.
 */

/** Local Docker registry (docker-registry on 127.0.0.1:5000, insecure-allowed by the daemon). */
export const REGISTRY = 'localhost:5000';

/** HTTP base URL of the same registry, for the Registry API (`/v2/...`). */
export const REGISTRY_URL = 'http://127.0.0.1:5000';

/** Node 24 base image (Node binary + glibc libraries + busybox), for `--build-arg BASE_IMAGE=...`. */
export const BASE_IMAGE = `${REGISTRY}/deploy-actions/node:24`;

/** PostgreSQL 15 cluster 15/main, password login over TCP. */
export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', password: 'postgres' } as const;

export const DATABASE_URL = `postgresql://${PG.user}:${PG.password}@${PG.host}:${PG.port}/postgres`;
