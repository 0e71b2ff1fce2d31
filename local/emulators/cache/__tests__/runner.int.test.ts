// biome-ignore-all lint/suspicious/noTemplateCurlyInString: workflow expressions are the subject
/**
 * The local runner gives steps cache service v2 by default, as github.com's hosted runners do
 * (ACTIONS_CACHE_SERVICE_V2=true, ACTIONS_RESULTS_URL), when the run has a cache service; a run that
 * sets ACTIONS_CACHE_SERVICE_V2 itself keeps its choice.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Runner from '../../../runner/src/index.js';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
let runner: typeof Runner;
let dir: string;

beforeAll(async () => {
  const { buildRunner, RUNNER_BUNDLE } = await import(join(ROOT, 'local/runner/build.mjs'));
  await buildRunner();
  runner = await import(RUNNER_BUNDLE);
  dir = mkdtempSync(join(tmpdir(), 'runner-cache-v2-'));
  writeFileSync(
    join(dir, 'cache-env.yml'),
    [
      'on: push',
      'jobs:',
      '  show:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "v2=[$ACTIONS_CACHE_SERVICE_V2] results=[$ACTIONS_RESULTS_URL] v1=[$ACTIONS_CACHE_URL]"',
      '',
    ].join('\n'),
  );
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(env: Record<string, string>) {
  const lines: string[] = [];
  const result = await runner.runWorkflow({
    workflow: join(dir, 'cache-env.yml'),
    repoRoot: ROOT,
    workspace: ROOT,
    runDir: mkdtempSync(join(dir, 'run-')),
    env,
    print: (line) => lines.push(line),
  });
  expect(result.conclusion).toBe('success');
  return lines.join('\n');
}

test('a run with a cache service gives its steps v2 on the same URL, as hosted runners do', async () => {
  const log = await run({ ACTIONS_CACHE_URL: 'http://127.0.0.1:9/' });
  expect(log).toContain('v2=[true] results=[http://127.0.0.1:9/] v1=[http://127.0.0.1:9/]');
});

test('a run that sets ACTIONS_CACHE_SERVICE_V2 keeps it (an empty value means v1)', async () => {
  const log = await run({ ACTIONS_CACHE_URL: 'http://127.0.0.1:9/', ACTIONS_CACHE_SERVICE_V2: '' });
  expect(log).toContain('v2=[] results=[] v1=[http://127.0.0.1:9/]');
});
