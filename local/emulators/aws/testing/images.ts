/**
 * Tiny test images for the ECS emulator and deploy-ecs tests, built FROM the local Node base image
 * and pushed to the local registry: `v1`/`v2` answer `version vN` on $PORT (and /health), `crash`
 * exits 3 at once, `unhealthy` answers but its /health says 503. Tags carry a content hash, so a
 * rebuild happens only when this file changes, and parallel builders push identical content.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY = 'localhost:5000';
export const BASE_IMAGE = `${REGISTRY}/deploy-actions/node:24`;
export const REPOSITORY = `${REGISTRY}/deploy-ecs-test/app`;

const APP = `const http = require('node:http');
const mode = process.env.APP_MODE, version = process.env.APP_VERSION;
if (mode === 'crash') { console.error('boom: exiting with code 3'); process.exit(3); }
const port = Number(process.env.PORT || 8080);
http.createServer((req, res) => {
  if (req.url === '/health') { res.writeHead(mode === 'unhealthy' ? 503 : 200); return res.end(mode); }
  res.end('version ' + version + '\\n');
}).listen(port, () => console.log('listening on ' + port + ', version ' + version));
process.on('SIGTERM', () => process.exit(0));
`;

const DOCKERFILE = `ARG BASE_IMAGE
FROM \${BASE_IMAGE}
ARG APP_MODE=serve
ARG APP_VERSION=v1
ENV APP_MODE=\${APP_MODE} APP_VERSION=\${APP_VERSION}
COPY app.js /app/app.js
CMD ["node", "/app/app.js"]
`;

export type TestImage = 'v1' | 'v2' | 'crash' | 'unhealthy';
const VARIANTS: Record<TestImage, { mode: string; version: string }> = {
  v1: { mode: 'serve', version: 'v1' },
  v2: { mode: 'serve', version: 'v2' },
  crash: { mode: 'crash', version: 'crash' },
  unhealthy: { mode: 'unhealthy', version: 'unhealthy' },
};

const HASH = createHash('sha256').update(APP).update(DOCKERFILE).digest('hex').slice(0, 10);

/** The health check the tests put in task definitions (busybox wget inside the container). */
export const HEALTH_CHECK = {
  command: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:$PORT/health || exit 1'],
  interval: 5,
  timeout: 2,
  retries: 2,
  startPeriod: 0,
};

function run(program: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.DOCKER_HOST;
    execFile(program, args, { env, maxBuffer: 16 * 1024 * 1024, timeout: 600_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${program} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(String(stdout));
    });
  });
}

async function inRegistry(tag: string): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:5000/v2/deploy-ecs-test/app/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  }).catch(() => undefined);
  return res?.ok ?? false;
}

let built: Promise<Record<TestImage, string>> | undefined;

/** Builds (when missing) and pushes the four test images; resolves with their references. */
export function testImages(): Promise<Record<TestImage, string>> {
  built ??= (async () => {
    const result = {} as Record<TestImage, string>;
    const dir = mkdtempSync(join(tmpdir(), 'ecs-test-image-'));
    try {
      writeFileSync(join(dir, 'app.js'), APP);
      writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE);
      for (const [name, variant] of Object.entries(VARIANTS) as [TestImage, (typeof VARIANTS)[TestImage]][]) {
        const tag = `${name}-${HASH}`;
        const image = `${REPOSITORY}:${tag}`;
        result[name] = image;
        if (await inRegistry(tag)) continue;
        await run('docker', [
          'build',
          '-q',
          '--build-arg',
          `BASE_IMAGE=${BASE_IMAGE}`,
          '--build-arg',
          `APP_MODE=${variant.mode}`,
          '--build-arg',
          `APP_VERSION=${variant.version}`,
          '-t',
          image,
          dir,
        ]);
        await run('docker', ['push', '-q', image]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return result;
  })();
  return built;
}
