import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { offlineEngineEnv, PLACEHOLDER_ENGINE } from '../src/offline-env.js';
import { createPool, NameAsTextClient, PrismaPgPool, reportNameAsText } from '../src/pool.js';

test('reports name columns (oid 19) as text (oid 25) and leaves other columns alone', () => {
  const result = {
    fields: [
      { name: 'nspname', dataTypeID: 19 },
      { name: 'oid', dataTypeID: 26 },
    ],
    rows: [],
  };
  assert.equal(reportNameAsText(result), result);
  assert.deepEqual(
    result.fields.map((field) => field.dataTypeID),
    [25, 26],
  );
});

test('rewrites every result of a multi-statement query and tolerates results without fields', () => {
  const results = [{ fields: [{ dataTypeID: 19 }] }, { command: 'SET' }, null];
  reportNameAsText(results);
  assert.equal(results[0]?.fields?.[0]?.dataTypeID, 25);
});

test('the pool hands out clients that rewrite results', async () => {
  const pool = createPool('postgresql://user:pw@127.0.0.1:1/db');
  assert.ok(pool instanceof PrismaPgPool);
  // @ts-expect-error pg keeps the Client class in pool.Client
  assert.equal(pool.Client, NameAsTextClient);
  await pool.end();
});

test('createPool needs a connection string', () => {
  assert.throws(() => createPool(''), /DATABASE_URL is not set/);
});

test('the offline engine environment points at an existing file and keeps explicit values', () => {
  assert.ok(existsSync(PLACEHOLDER_ENGINE));
  const env = offlineEngineEnv({ PRISMA_SCHEMA_ENGINE_BINARY: '/opt/schema-engine' });
  assert.equal(env.PRISMA_SCHEMA_ENGINE_BINARY, '/opt/schema-engine');
  assert.equal(env.PRISMA_QUERY_ENGINE_LIBRARY, PLACEHOLDER_ENGINE);
});
