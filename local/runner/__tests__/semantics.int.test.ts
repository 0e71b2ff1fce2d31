// biome-ignore-all lint/suspicious/noTemplateCurlyInString: workflow expressions are the subject
/**
 * GitHub's job semantics in the local runner, each on a small fixture workflow under
 * __tests__/fixtures/semantics/ (every test here failed on the runner before it implemented the rule).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Runner from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURES = join(ROOT, 'local/runner/__tests__/fixtures/semantics');
let runner: typeof Runner;
const runDirs: string[] = [];

beforeAll(async () => {
  const { buildRunner, RUNNER_BUNDLE } = await import(join(ROOT, 'local/runner/build.mjs'));
  await buildRunner();
  runner = await import(RUNNER_BUNDLE);
});

afterAll(() => {
  for (const dir of runDirs) rmSync(dir, { recursive: true, force: true });
});

async function run(workflow: string, extra: Partial<Runner.RunOptions> = {}) {
  const lines: string[] = [];
  const runDir = mkdtempSync(join(tmpdir(), 'runner-semantics-'));
  runDirs.push(runDir);
  const result = await runner.runWorkflow({
    workflow: join(FIXTURES, workflow),
    repoRoot: ROOT,
    workspace: ROOT,
    runDir,
    print: (line) => lines.push(line),
    ...extra,
  });
  const results = Object.fromEntries(result.jobs.map((j) => [j.key, j.result]));
  return { result, results, log: lines.join('\n') };
}

test('job-level continue-on-error is evaluated with each leg’s matrix, per leg', async () => {
  const { result, results, log } = await run('continue-on-error.yml');
  expect(result.error).toBeUndefined();
  // The tolerated nightly leg did not cancel the stable leg (fail-fast), nor fail the job.
  expect(results['test (nightly, true)']).toBe('failure');
  expect(results['test (stable, false)']).toBe('success');
  expect(log).toMatch(/\[after\] test=success/);
  expect(result.conclusion).toBe('success');
});

test('success() and failure() over the whole chain of ancestors; !cancelled() and always()', async () => {
  const { results, log } = await run('ancestors.yml');
  expect(results).toEqual({
    fails: 'failure',
    skipped: 'skipped',
    'after-failure': 'success',
    'after-skip': 'success',
    'implicit-after-failure': 'skipped',
    'implicit-after-skip': 'skipped',
    'on-failure': 'success',
    'not-cancelled': 'success',
    'explicit-success': 'skipped',
    'failure-after-skip': 'skipped',
  });
  expect(log).toMatch(/parent=skipped/);
  expect(log).not.toMatch(/must not run$/m);
});
