import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { BASE_IMAGE, DATABASE_URL, PG, REGISTRY, REGISTRY_URL } from './infra.js';

// Every check talks to the real service and fails when it is missing: run `npm run infra -- up` first.
const HINT = 'is the local infrastructure up? run: bash local/infra/infra.sh up';
const env = { ...process.env };
delete env.DOCKER_HOST;
delete env.DOCKER_CONTEXT;

function docker(args: string[], input?: Buffer): string {
  const r = spawnSync('docker', args, { env, input, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) {
    throw new Error(`docker ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.error}\n${HINT}`);
  }
  return r.stdout.trim();
}

describe('local infrastructure', () => {
  test('the Docker engine answers on the default socket', () => {
    const server = JSON.parse(docker(['version', '--format', '{{json .Server}}'])) as { Version?: string } | null;
    expect(server?.Version).toMatch(/^\d+\.\d+/);
  });

  test('the registry accepts a push and serves the manifest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-test-'));
    const name = 'infra-test/tiny';
    const tag = `t${process.pid}-${Date.now()}`;
    const ref = `${REGISTRY}/${name}:${tag}`;
    try {
      writeFileSync(join(dir, 'hello.txt'), `hello ${tag}\n`);
      const tar = execFileSync('tar', ['-C', dir, '-c', 'hello.txt']);
      docker(['import', '-', ref], tar);
      docker(['push', '-q', ref]);
      const res = await fetch(`${REGISTRY_URL}/v2/${name}/manifests/${tag}`, {
        headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      });
      expect(res.status).toBe(200);
      const body = Buffer.from(await res.arrayBuffer());
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      expect(res.headers.get('docker-content-digest')).toBe(digest);
      const manifest = JSON.parse(body.toString('utf8')) as { layers: unknown[] };
      expect(manifest.layers).toHaveLength(1);
      // The engine recorded the same digest for the pushed tag.
      expect(docker(['image', 'inspect', '-f', '{{join .RepoDigests " "}}', ref])).toContain(
        `${REGISTRY}/${name}@${digest}`,
      );
      // Clean up: delete the manifest (delete is enabled) and the local image.
      const del = await fetch(`${REGISTRY_URL}/v2/${name}/manifests/${digest}`, { method: 'DELETE' });
      expect(del.status).toBe(202);
    } finally {
      spawnSync('docker', ['image', 'rm', '-f', ref], { env });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('PostgreSQL accepts a password login over TCP', async () => {
    for (const config of [{ ...PG, database: 'postgres' }, { connectionString: DATABASE_URL }]) {
      const client = new pg.Client({ ...config, connectionTimeoutMillis: 5000 });
      await client.connect().catch((e: Error) => {
        throw new Error(`${e.message}\n${HINT}`);
      });
      try {
        const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
        expect(rows).toEqual([{ one: 1 }]);
      } finally {
        await client.end();
      }
    }
  });

  test('the base image runs Node 24 and a shell', () => {
    expect(
      docker(['run', '--rm', '--network', 'host', BASE_IMAGE, 'node', '-e', 'console.log(process.version)']),
    ).toMatch(/^v24\./);
    expect(docker(['run', '--rm', '--network', 'host', BASE_IMAGE, 'sh', '-c', 'echo ok'])).toBe('ok');
  });
});
