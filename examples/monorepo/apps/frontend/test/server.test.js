import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createHandler, resolveStatic } from '../src/server.js';

const root = fileURLToPath(new URL('../public', import.meta.url));

describe('resolveStatic', () => {
  const cases = /** @type {const} */ ([
    ['/', join(root, 'index.html')],
    ['/style.css', join(root, 'style.css')],
    ['/a/../app.js', join(root, 'app.js')],
    ['/../../etc/passwd', join(root, 'etc/passwd')],
    ['/%2e%2e/%2e%2e/etc/passwd', join(root, 'etc/passwd')],
    ['/%E0%A4%A', null],
    ['/x%00.html', null],
  ]);
  for (const [path, expected] of cases) {
    test(`${path} -> ${expected}`, () => assert.equal(resolveStatic(root, path), expected));
  }
});

describe('the server', () => {
  const server = createServer(createHandler({ root, version: '2.0.0', commit: 'f00d' }));
  let base = '';
  before(async () => {
    await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
    const address = server.address();
    assert.ok(address && typeof address === 'object');
    base = `http://127.0.0.1:${address.port}`;
  });
  after(() => new Promise((resolve) => server.close(() => resolve(undefined))));

  test('GET /health is 200 ok', async () => {
    const res = await fetch(`${base}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  test('GET /version reports version and commit', async () => {
    assert.deepEqual(await (await fetch(`${base}/version`)).json(), { version: '2.0.0', commit: 'f00d' });
  });

  test('serves index.html at / with an HTML content type', async () => {
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await res.text(), /<title>Example notes<\/title>/);
  });

  test('serves assets with their content type, 404 for the rest, 405 for writes', async () => {
    assert.match((await fetch(`${base}/style.css`)).headers.get('content-type') ?? '', /^text\/css/);
    assert.equal((await fetch(`${base}/missing.txt`)).status, 404);
    assert.equal((await fetch(`${base}/`, { method: 'POST' })).status, 405);
  });
});
