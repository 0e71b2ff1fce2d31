import { type CacheEmulator, startCacheEmulator } from '../server.js';

let emulator: CacheEmulator;
beforeEach(async () => {
  emulator = await startCacheEmulator();
});
afterEach(() => emulator.close());

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${emulator.url}_apis/artifactcache/${path}`, {
    ...init,
    headers: { authorization: 'Bearer t', 'content-type': 'application/json', ...(init.headers ?? {}) },
  });

async function store(key: string, version: string, body: string): Promise<number> {
  const { cacheId } = (await (
    await api('caches', { method: 'POST', body: JSON.stringify({ key, version }) })
  ).json()) as {
    cacheId: number;
  };
  const half = Math.floor(body.length / 2);
  for (const [start, end] of [
    [half, body.length - 1],
    [0, half - 1],
  ] as const) {
    const res = await api(`caches/${cacheId}`, {
      method: 'PATCH',
      body: body.slice(start, end + 1),
      headers: { 'content-range': `bytes ${start}-${end}/*`, 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBe(204);
  }
  expect((await api(`caches/${cacheId}`, { method: 'POST', body: JSON.stringify({ size: body.length }) })).status).toBe(
    204,
  );
  return cacheId;
}

test('reserve, chunked upload out of order, commit, then exact and prefix lookups scoped by version', async () => {
  await store('pnpm-linux-aaa', 'v1', 'first archive');
  await store('pnpm-linux-bbb', 'v1', 'second archive');
  const exact = await api('cache?keys=pnpm-linux-aaa&version=v1');
  const found = (await exact.json()) as { cacheKey: string; archiveLocation: string };
  expect(found.cacheKey).toBe('pnpm-linux-aaa');
  expect(await (await fetch(found.archiveLocation)).text()).toBe('first archive');
  const prefix = (await (await api('cache?keys=pnpm-linux-ccc,pnpm-linux-&version=v1')).json()) as { cacheKey: string };
  expect(prefix.cacheKey).toBe('pnpm-linux-bbb'); // the most recent
  expect((await api('cache?keys=pnpm-linux-aaa&version=v2')).status).toBe(204);
});

test('a reserved key cannot be reserved again; a commit with the wrong size is refused; no token is 401', async () => {
  await store('k', 'v', 'abc');
  expect((await api('caches', { method: 'POST', body: JSON.stringify({ key: 'k', version: 'v' }) })).status).toBe(409);
  const { cacheId } = (await (
    await api('caches', { method: 'POST', body: JSON.stringify({ key: 'k2', version: 'v' }) })
  ).json()) as {
    cacheId: number;
  };
  expect((await api(`caches/${cacheId}`, { method: 'POST', body: JSON.stringify({ size: 10 }) })).status).toBe(400);
  expect((await fetch(`${emulator.url}_apis/artifactcache/cache?keys=k&version=v`)).status).toBe(401);
});

test('injected faults: a status, then normal service', async () => {
  emulator.faults.push({ route: 'query', status: 503, times: 1 });
  expect((await api('cache?keys=x&version=v')).status).toBe(503);
  expect((await api('cache?keys=x&version=v')).status).toBe(204);
  expect(emulator.requests.query).toBe(2);
});
