import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createApp } from '../src/app.js';
import { NoteInputError, parseNoteInput } from '../src/notes.js';

/** An in-memory NotesStore with the same validation as the Prisma one. */
function memoryNotes({ reachable = true } = {}) {
  /** @type {import('../src/notes.js').Note[]} */
  const rows = [];
  return {
    reachable,
    async ping() {
      if (!this.reachable) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    },
    async list() {
      return [...rows].reverse();
    },
    /** @param {unknown} input */
    async create(input) {
      const note = { id: rows.length + 1, ...parseNoteInput(input), createdAt: new Date(0) };
      rows.push(note);
      return note;
    },
    async close() {},
  };
}

/**
 * Serves an app on an ephemeral port for the duration of a describe block.
 * @param {Parameters<typeof createApp>[0]} options
 */
function serve(options) {
  const server = createServer((req, res) => void createApp(options)(req, res));
  const base = { url: '' };
  before(async () => {
    await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
    const address = server.address();
    assert.ok(address && typeof address === 'object');
    base.url = `http://127.0.0.1:${address.port}`;
  });
  after(() => new Promise((resolve) => server.close(() => resolve(undefined))));
  /**
   * @param {string} path
   * @param {RequestInit} [init]
   */
  return async (path, init) => {
    const res = await fetch(base.url + path, init);
    return { status: res.status, headers: res.headers, body: /** @type {any} */ (await res.json()) };
  };
}

describe('without a database', () => {
  const request = serve({ version: '1.2.3', commit: 'abc123', notes: null });

  test('GET /health is ok and says the database is not configured', async () => {
    assert.deepEqual(await request('/health').then((r) => [r.status, r.body]), [
      200,
      { status: 'ok', database: 'not-configured' },
    ]);
  });

  test('GET /version reports the version and the commit', async () => {
    const res = await request('/version');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(res.body, { version: '1.2.3', commit: 'abc123' });
  });

  test('the notes endpoints answer 503', async () => {
    assert.equal((await request('/notes')).status, 503);
    assert.equal((await request('/notes', { method: 'POST', body: '{"title":"x"}' })).status, 503);
  });

  test('unknown paths are 404 and wrong methods 405 with Allow', async () => {
    assert.equal((await request('/nope')).status, 404);
    const res = await request('/version', { method: 'POST' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET');
  });
});

describe('with a database', () => {
  const notes = memoryNotes();
  const request = serve({ version: 'dev', commit: 'unknown', notes, healthTimeoutMs: 200 });

  test('POST /notes stores a note and GET /notes lists it, newest first', async () => {
    const created = await request('/notes', {
      method: 'POST',
      body: JSON.stringify({ title: ' first ', author: 'ada' }),
    });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.note, {
      id: 1,
      title: 'first',
      body: '',
      author: 'ada',
      createdAt: new Date(0).toISOString(),
    });
    await request('/notes', { method: 'POST', body: JSON.stringify({ title: 'second', body: 'text' }) });
    const listed = await request('/notes');
    assert.deepEqual(
      listed.body.notes.map((/** @type {{ title: string }} */ note) => note.title),
      ['second', 'first'],
    );
  });

  test('bad bodies are 400 with the reason', async () => {
    assert.deepEqual(await request('/notes', { method: 'POST', body: '{not json' }).then((r) => [r.status, r.body]), [
      400,
      { error: 'body is not valid JSON' },
    ]);
    const res = await request('/notes', { method: 'POST', body: JSON.stringify({ title: '' }) });
    assert.equal(res.status, 400);
    assert.match(res.body.error, /^title:/);
  });

  test('a body over 16 KiB is 413', async () => {
    const res = await request('/notes', { method: 'POST', body: JSON.stringify({ title: 'x'.repeat(20000) }) });
    assert.equal(res.status, 413);
  });

  test('GET /health checks the database', async () => {
    assert.deepEqual((await request('/health')).body, { status: 'ok', database: 'ok' });
    notes.reachable = false;
    const res = await request('/health');
    assert.equal(res.status, 503);
    assert.equal(res.body.database, 'unreachable');
    notes.reachable = true;
  });

  test('a database that hangs makes /health fail after the timeout', async () => {
    notes.ping = () => new Promise(() => {});
    const res = await request('/health');
    assert.equal(res.status, 503);
    assert.match(res.body.reason, /timed out after 200 ms/);
  });
});

describe('parseNoteInput', () => {
  const cases = /** @type {const} */ ([
    [{ title: 'a' }, { title: 'a', body: '', author: null }],
    [
      { title: 'a', body: 'b', author: 'c' },
      { title: 'a', body: 'b', author: 'c' },
    ],
  ]);
  for (const [input, expected] of cases) {
    test(`accepts ${JSON.stringify(input)}`, () => assert.deepEqual(parseNoteInput(input), expected));
  }
  const invalid = /** @type {const} */ ([
    [null, /JSON object/],
    [[], /JSON object/],
    [{}, /^title:/],
    [{ title: 'x'.repeat(201) }, /^title: at most 200/],
    [{ title: 'a', body: 1 }, /^body:/],
    [{ title: 'a', author: 'x'.repeat(101) }, /^author: at most 100/],
  ]);
  for (const [input, message] of invalid) {
    test(`rejects ${JSON.stringify(input)?.slice(0, 40)}`, () =>
      assert.throws(
        () => parseNoteInput(input),
        (error) => error instanceof NoteInputError && message.test(error.message),
      ));
  }
});
