// biome-ignore-all lint/suspicious/noTemplateCurlyInString: workflow expressions are the subject
/**
 * GitHub's job semantics in the local runner, each on a small fixture workflow under
 * __tests__/fixtures/semantics/ (every test here failed on the runner before it implemented the rule).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

describe('workflow_dispatch inputs', () => {
  const dispatch = (inputs: Record<string, string>) => run('dispatch.yml', { event: 'workflow_dispatch', inputs });

  test('typed in the inputs context, strings in github.event.inputs, defaults applied', async () => {
    const { result, log } = await dispatch({ environment: 'staging', 'dry-run': 'true', replicas: '3' });
    expect(result.error).toBeUndefined();
    expect(result.conclusion).toBe('success');
    expect(log).toContain(
      'inputs={"operation":"deploy","environment":"staging","replicas":3,"dry-run":true,"note":"none"}',
    );
    expect(log).toContain(
      'event={"operation":"deploy","environment":"staging","replicas":"3","dry-run":"true","note":"none"}',
    );
  });

  test('bad values are all rejected, named, before any job starts', async () => {
    const { result, log } = await dispatch({
      operation: 'destroy',
      replicas: 'many',
      'dry-run': 'yes',
      colour: 'red',
    });
    expect(result.conclusion).toBe('failure');
    expect(result.jobs).toEqual([]);
    expect(log).not.toMatch(/▶ job/);
    const problems = result.error
      ?.split('\n')
      .slice(1)
      .map((l) => l.trim());
    expect(problems).toEqual([
      'colour: not an input of this workflow; expected one of operation, environment, replicas, dry-run, note',
      'operation: "destroy" is not valid; expected one of deploy, rollback',
      'environment: required and not given; expected the name of an environment',
      'replicas: "many" is not valid; expected a number',
      'dry-run: "yes" is not valid; expected true or false',
    ]);
  });

  test('a workflow without on.workflow_dispatch cannot be dispatched', async () => {
    const { result } = await run('ancestors.yml', { event: 'workflow_dispatch' });
    expect(result.jobs).toEqual([]);
    expect(result.error).toMatch(/has no on.workflow_dispatch trigger/);
  });
});

describe('hosted-runner limits that change outcomes', () => {
  test('timeout-minutes above the job limit does not buy more time (limit shortened for the test)', async () => {
    const { result, log } = await run('time-limit.yml', { limits: { jobMinutes: 0.02 } });
    const job = result.jobs.find((j) => j.key === 'long');
    expect(job?.result).toBe('failure');
    expect(job?.steps[0]?.error).toBe(
      'The job running on runner local has exceeded the maximum execution time of 0.02 minutes.',
    );
    expect(log).toMatch(/timeout-minutes 720 is above the hosted job limit/);
    expect(log).not.toMatch(/^\[long\] finished$/m);
  });

  test('job outputs over 1 MB fail the job; a step summary over 1 MiB is dropped with an error annotation', async () => {
    const { result, results, log } = await run('size-limits.yml');
    expect(results['big-output']).toBe('failure');
    expect(log).toMatch(/Error: Job outputs exceed 1,048,576 bytes \(1,200,008 as UTF-16\)/);
    expect(log).toMatch(/result=failure blob-length=0/);
    const summary = result.jobs.find((j) => j.key === 'big-summary');
    expect(summary?.result).toBe('success');
    expect(summary?.summaries).toEqual(['### kept\n']);
    expect(summary?.annotations).toEqual([
      {
        level: 'error',
        message: '$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k, got 1127k.',
      },
    ]);
  });
});

test('each job gets a fresh workspace (its own checkout of the commit, shallow unless fetch-depth) and tool cache', async () => {
  const image = mkdtempSync(join(tmpdir(), 'runner-image-tools-'));
  runDirs.push(image);
  mkdirSync(join(image, 'image-tool'));
  // The run's repository: three commits, and uncommitted work a checkout must not see.
  const repo = mkdtempSync(join(tmpdir(), 'runner-repo-'));
  runDirs.push(repo);
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
  git('init', '-q', '-b', 'main');
  for (const text of ['first', 'second', 'third']) {
    writeFileSync(join(repo, 'hello.txt'), text);
    git('add', 'hello.txt');
    git('commit', '-q', '-m', text);
    if (text === 'first') git('tag', 'v-first');
  }
  cpSync(
    join(ROOT, 'local/runner/__tests__/fixtures/actions/greet'),
    join(repo, 'local/runner/__tests__/fixtures/actions/greet'),
    {
      recursive: true,
    },
  );
  git('add', 'local');
  git('commit', '-q', '--amend', '--no-edit');
  writeFileSync(join(repo, 'hello.txt'), 'uncommitted');
  const { result, results, log } = await run('workspace.yml', { toolCache: image, workspace: repo });
  expect(results).toEqual({
    first: 'success',
    second: 'success',
    'full-history': 'success',
    'local-action-without-checkout': 'failure',
    tagged: 'success',
  });
  expect(log).toMatch(/second: empty workspace, fresh tool cache/);
  expect(log).toMatch(/full-history: all commits/);
  expect(log).toMatch(
    /Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '.*\/workspace\/local\/runner\/__tests__\/fixtures\/actions\/greet'\. Did you forget to run actions\/checkout/,
  );
  // The machines are gone with their jobs (logs stay); the image's tool cache was not written to.
  for (const job of result.jobs) {
    expect(existsSync(join(dirname(job.logFile!), 'workspace'))).toBe(false);
    expect(existsSync(job.logFile!)).toBe(true);
  }
  expect(readdirSync(image)).toEqual(['image-tool']);
});
