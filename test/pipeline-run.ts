/**
 * Driving `local/pipeline.mjs` from a test (test/pipeline.int.test.ts, test/pipeline-incremental.int.test.ts):
 * one run as a child process, then what it wrote to .local/pipeline/last-run.json and the run's report.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NODE24, ROOT } from './harness.js';

export interface LastRun {
  exitCode: number;
  conclusion: string;
  verdict: string;
  sha: string;
  before: Record<string, string>;
  after: Record<string, string>;
  report: string;
  jobs: {
    key: string;
    result: string;
    outputs: Record<string, string>;
    steps: { name: string; conclusion: string }[];
  }[];
}

export const PIPELINE_TIMEOUT = 12 * 60_000;

export function pipeline(...args: string[]): { status: number | null; output: string; run: LastRun } {
  const child = spawnSync(
    NODE24,
    [join(ROOT, 'local/pipeline.mjs'), '--approve-as', 'alice', '--quiet', '--ecs-profile', 'fast', ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: PIPELINE_TIMEOUT - 30_000,
    },
  );
  const output = `${child.stdout}\n${child.stderr}`;
  const run = JSON.parse(readFileSync(join(ROOT, '.local/pipeline/last-run.json'), 'utf8')) as LastRun;
  return { status: child.status, output, run };
}

export const job = (run: LastRun, pattern: RegExp) => run.jobs.filter((j) => pattern.test(j.key));

/** The one job whose key matches (an error when none or several do). */
export function onlyJob(run: LastRun, pattern: RegExp): LastRun['jobs'][number] {
  const [only, ...more] = job(run, pattern);
  if (!only || more.length) throw new Error(`${pattern}: ${more.length + (only ? 1 : 0)} jobs match`);
  return only;
}

/** The log of the one job whose key matches, from the run's report.json. */
export function jobLog(run: LastRun, pattern: RegExp): string {
  const report = JSON.parse(readFileSync(join(dirname(run.report), 'report.json'), 'utf8')) as {
    jobs: { key: string; logFile: string }[];
  };
  const found = report.jobs.filter((j) => pattern.test(j.key));
  const [only] = found;
  if (!only || found.length !== 1) throw new Error(`${pattern}: ${found.length} jobs match in ${run.report}`);
  return readFileSync(only.logFile, 'utf8');
}
