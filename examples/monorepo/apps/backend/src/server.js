// Entry point: PORT (default 3000), APP_VERSION, GIT_SHA (baked into the image), DATABASE_URL (optional).
import { createServer } from 'node:http';
import { createPrismaClient } from '@example/database';
import { createApp } from './app.js';
import { createNotesStore } from './notes.js';

const port = Number(process.env.PORT || 3000);
const notes = process.env.DATABASE_URL ? createNotesStore(createPrismaClient(process.env.DATABASE_URL)) : null;
const app = createApp({
  version: process.env.APP_VERSION || 'dev',
  commit: process.env.GIT_SHA || 'unknown',
  notes,
});

const server = createServer((req, res) => void app(req, res));
server.keepAliveTimeout = 65_000; // longer than the load balancer's idle timeout
server.listen(port, () => {
  console.log(`backend listening on :${port} (database ${notes ? 'configured' : 'not configured'})`);
});

for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT'])) {
  process.once(signal, () => {
    console.log(`${signal}: shutting down`);
    server.close(() => {
      void (notes?.close() ?? Promise.resolve()).finally(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  });
}
