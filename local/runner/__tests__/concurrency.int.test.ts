/**
 * `concurrency:` in the local runner, across concurrent runs in one process: one running and at most
 * one pending member per group, a newer pending member replacing the older, `cancel-in-progress`
 * cancelling the running one, a job of a called workflow in the same group as a top-level job. On
 * the runner before it had groups, every run here ran to success side by side.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Runner from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURES = join(ROOT, 'local/runner/__tests__/fixtures/concurrency');
let runner: typeof Runner;
const temp = mkdtempSync(join(tmpdir(), 'runner-concurrency-'));

beforeAll(async () => {
  const { buildRunner, RUNNER_BUNDLE } = await import(join(ROOT, 'local/runner/build.mjs'));
  await buildRunner();
  runner = await import(RUNNER_BUNDLE);
});

afterAll(() => rmSync(temp, { recursive: true, force: true }));

function start(workflow: string, tag: string, group: string) {
  const lines: string[] = [];
  const done = runner.runWorkflow({
    workflow: join(FIXTURES, workflow),
    repoRoot: ROOT,
    workspace: ROOT,
    runDir: mkdtempSync(join(temp, `${tag}-`)),
    env: { RUN_TAG: tag },
    vars: { GROUP: group },
    print: (line) => lines.push(line),
  });
  return { done, lines };
}

async function until(lines: string[], pattern: RegExp, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!lines.some((l) => pattern.test(l))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('workflow-level group: the second run waits, a third replaces it while pending', async () => {
  const group = `queue-${Date.now()}`;
  const a = start('queue.yml', 'A', group);
  await until(a.lines, /start A/);
  const b = start('queue.yml', 'B', group);
  await until(b.lines, /waits for/);
  const c = start('queue.yml', 'C', group);
  const [ra, rb, rc] = await Promise.all([a.done, b.done, c.done]);
  expect([ra.conclusion, rb.conclusion, rc.conclusion]).toEqual(['success', 'cancelled', 'success']);
  expect(rb.jobs).toEqual([]);
  expect(b.lines.join('\n')).toMatch(/cancelled while pending in concurrency group queue-/);
  expect(b.lines.join('\n')).not.toMatch(/start B/);
  // C ran only after A had finished.
  const jobA = ra.jobs[0]!;
  expect(rc.jobs[0]!.startedAt!).toBeGreaterThanOrEqual(jobA.startedAt! + jobA.durationMs);
}, 60_000);

test('job-level cancel-in-progress cancels the running member, a called workflow’s job in the same group', async () => {
  const group = `deploy-${Date.now()}`;
  const started = Date.now();
  const a = start('caller.yml', 'A', group);
  await until(a.lines, /\[call \/ deploy\] start A/);
  const b = start('hotfix.yml', 'B', group);
  const [ra, rb] = await Promise.all([a.done, b.done]);
  expect(Date.now() - started).toBeLessThan(20_000); // A's 30 s step was stopped
  expect(Object.fromEntries(ra.jobs.map((j) => [j.key, j.result]))).toEqual({
    'call / deploy': 'cancelled',
    call: 'cancelled',
  });
  expect(ra.conclusion).toBe('cancelled');
  expect(a.lines.join('\n')).not.toMatch(/end A/);
  expect(rb.conclusion).toBe('success');
  expect(b.lines.join('\n')).toMatch(/\[deploy\] hotfix B/);
  // B's job started once A's had stopped (one running member per group).
  const jobA = ra.jobs.find((j) => j.key === 'call / deploy')!;
  expect(rb.jobs[0]!.startedAt!).toBeGreaterThanOrEqual(jobA.startedAt! + jobA.durationMs);
}, 60_000);
