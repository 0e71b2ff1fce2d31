// The HTTP API as a plain request handler, so tests can drive it without a network or database.
/** @import { IncomingMessage, ServerResponse } from 'node:http' */
/** @import { NotesStore } from './notes.js' */
import { NoteInputError } from './notes.js';

/**
 * @typedef {object} AppOptions
 * @property {string} version what /version reports (APP_VERSION)
 * @property {string} commit the commit the image was built from (GIT_SHA)
 * @property {NotesStore | null} notes null when no DATABASE_URL is configured
 * @property {number} [healthTimeoutMs] how long /health waits for the database
 */

const MAX_BODY_BYTES = 16 * 1024;

export class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * @param {ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 */
function sendJson(res, status, body) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(payload);
}

/** @param {IncomingMessage} req */
async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 */
function withTimeout(promise, ms) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * @param {AppOptions} options
 * @returns {(req: IncomingMessage, res: ServerResponse) => Promise<void>}
 */
export function createApp({ version, commit, notes, healthTimeoutMs = 2000 }) {
  /** @param {NotesStore | null} store */
  const requireDatabase = (store) => {
    if (!store) throw new HttpError(503, 'database not configured (DATABASE_URL is not set)');
    return store;
  };

  /** @type {Record<string, Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>>} */
  const routes = {
    '/health': {
      GET: async (_req, res) => {
        if (!notes) return sendJson(res, 200, { status: 'ok', database: 'not-configured' });
        try {
          await withTimeout(notes.ping(), healthTimeoutMs);
          sendJson(res, 200, { status: 'ok', database: 'ok' });
        } catch (error) {
          sendJson(res, 503, {
            status: 'error',
            database: 'unreachable',
            reason: String(/** @type {Error} */ (error).message),
          });
        }
      },
    },
    '/version': {
      GET: async (_req, res) => sendJson(res, 200, { version, commit }),
    },
    '/notes': {
      GET: async (_req, res) => sendJson(res, 200, { notes: await requireDatabase(notes).list() }),
      POST: async (req, res) => {
        const store = requireDatabase(notes);
        const note = await store.create(await readJson(req));
        sendJson(res, 201, { note });
      },
    },
  };

  return async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    const route = routes[pathname];
    try {
      if (!route) throw new HttpError(404, `no route for ${pathname}`);
      const handler = route[req.method ?? 'GET'];
      if (!handler) {
        res.setHeader('allow', Object.keys(route).join(', '));
        throw new HttpError(405, `${req.method} is not allowed on ${pathname}`);
      }
      await handler(req, res);
    } catch (error) {
      if (error instanceof HttpError) return sendJson(res, error.status, { error: error.message });
      if (error instanceof NoteInputError) return sendJson(res, 400, { error: error.message });
      console.error(`${req.method} ${pathname} failed:`, error);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  };
}
