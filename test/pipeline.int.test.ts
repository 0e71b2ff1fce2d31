/**
 * The whole pipeline through the local runner, as `npm run pipeline` runs it: the suite's
 * .github/workflows/pipeline.yml called by a caller workflow in a fresh checkout of
 * examples/monorepo; CI, images into the local registry, migrations into PostgreSQL, deploys to
 * staging and production on the ECS emulator (real containers), smoke tests, the approval on the
 * GitHub emulator.
 *
 * Green path: every job succeeds and all four services answer /version with the pushed commit.
 * Rollback path (--break smoke): staging's smoke test fails, every staging service is rolled back
 * and answers the previous commit again, production is not touched, and the run fails.
 * Failed deploy (--break deploy): the frontend's container exits at start; its deploy fails and rolls
 * itself back, the backend (deployed fine) is rolled back by the workflow too.
 *
 * Needs the local infrastructure (`bash local/infra/infra.sh up`, which the pipeline also runs) and
 * built bundles (`npm run build`; npm test builds first). Nothing is skipped.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { NODE24, ROOT } from './harness.js';
import { job, type LastRun, PIPELINE_TIMEOUT, pipeline } from './pipeline-run.js';

/** The example's deploy-manual.yml (workflow_dispatch) through the runner CLI, on the pipeline's checkout. */
function manual(inputs: Record<string, string>): { status: number | null; output: string } {
  const state = join(ROOT, '.local/pipeline');
  const aws = JSON.parse(readFileSync(join(ROOT, '.local/emulators/aws.json'), 'utf8')) as { endpoint: string };
  const child = spawnSync(
    NODE24,
    [
      join(ROOT, 'local/runner/dist/runner.mjs'),
      join(state, 'checkout/.github/workflows/deploy-manual.yml'),
      '--workspace',
      join(state, 'checkout'),
      '--event',
      'workflow_dispatch',
      '--repository',
      'org/example',
      '--actions-dir',
      join(state, 'actions'),
      '--aws-endpoint',
      aws.endpoint,
      '--run-dir',
      join(state, 'runs', `manual-${Date.now()}`),
      ...Object.entries(inputs).flatMap(([k, v]) => ['--input', `${k}=${v}`]),
    ],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 5 * 60_000 },
  );
  return { status: child.status, output: `${child.stdout}\n${child.stderr}` };
}

/** Requests the pipeline's traffic generator saw fail (connection errors, timeouts, 5xx) through the load balancers. */
function failedRequests(run: LastRun): number {
  const { traffic } = run as LastRun & { traffic?: { sent: number; failed: number } | null };
  if (!traffic?.sent) throw new Error('last-run.json has no traffic counts');
  return traffic.failed;
}

async function stagingBackendCommit(): Promise<string> {
  const response = await fetch('http://127.0.0.1:18020/version', { signal: AbortSignal.timeout(5000) });
  return ((await response.json()) as { commit: string }).commit;
}

describe('npm run pipeline (the pipeline workflow through the local runner)', () => {
  let green: LastRun | undefined;
  let rolledBack: LastRun | undefined;

  test(
    'green path: CI, images, staging, approval, production; every service answers the pushed commit',
    () => {
      const { status, output, run } = pipeline();
      if (status !== 0) console.log(output.slice(-20_000));
      expect(status).toBe(0);
      expect(run.conclusion).toBe('success');
      expect(run.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(run.after).toEqual({
        'staging/backend': run.sha,
        'staging/frontend': run.sha,
        'production/backend': run.sha,
        'production/frontend': run.sha,
      });
      for (const stage of [/ci \/ build$/, /images \/ images$/, /staging \/ smoke$/, /^pipeline \/ approve$/]) {
        expect(job(run, stage).map((j) => j.result)).toEqual(['success']);
      }
      expect(job(run, /production \/ deploy/).map((j) => j.result)).toEqual(['success', 'success']);
      expect(job(run, /rollback/).every((j) => j.result === 'skipped')).toBe(true);
      expect(output).toContain('approved issue #');
      expect(failedRequests(run)).toBe(0);
      green = run;
    },
    PIPELINE_TIMEOUT,
  );

  test(
    'rollback path (--break smoke): staging is rolled back to the previous commit, production untouched, the run fails',
    () => {
      const { status, output, run } = pipeline('--no-build', '--break', 'smoke');
      if (status !== 0) console.log(output.slice(-20_000));
      // pipeline.mjs exits 0 when the failure path was the expected one and verified
      expect(status).toBe(0);
      expect(run.verdict).toBe('verified');
      expect(run.conclusion).toBe('failure');
      expect(job(run, /staging \/ smoke$/).map((j) => j.result)).toEqual(['failure']);
      // Each rollback leg puts its service back; deploy.yml's verdict job reads all legs together
      // (a matrix job's outputs are the last leg's) and fails the run on purpose.
      const rollbacks = job(run, /staging \/ rollback/);
      expect(rollbacks).toHaveLength(2);
      for (const rollback of rollbacks) {
        expect(rollback.result).toBe('success');
        expect(rollback.steps.map((s) => [s.name.replace(/@.*/, ''), s.conclusion])).toEqual([
          ['aws-actions/configure-aws-credentials', 'success'],
          ['org/deploy-actions/deploy-ecs', 'success'],
        ]);
      }
      const verdicts = job(run, /staging \/ verdict$/);
      expect(verdicts.map((j) => [j.result, j.outputs.outcome])).toEqual([['failure', 'rolled-back']]);
      expect(job(run, /^pipeline \/ approve$/).map((j) => j.result)).toEqual(['skipped']);
      // The previous version (the green run's commit, or whatever ran before) answers again.
      expect(run.after['staging/backend']).toBe(run.before['staging/backend']);
      expect(run.after['staging/frontend']).toBe(run.before['staging/frontend']);
      expect(run.after['staging/backend']).not.toBe(run.sha);
      expect(run.after['production/backend']).toBe(run.before['production/backend']);
      if (green) expect(run.after['staging/backend']).toBe(green.sha);
      expect(failedRequests(run)).toBe(0);
      rolledBack = run;
    },
    PIPELINE_TIMEOUT,
  );

  test(
    'a failed deploy of one service (--break deploy): it rolls itself back, the other services are rolled back too',
    () => {
      const { status, output, run } = pipeline('--no-build', '--break', 'deploy');
      if (status !== 0) console.log(output.slice(-20_000));
      expect(status).toBe(0);
      expect(run.verdict).toBe('verified');
      expect(job(run, /staging \/ deploy \(frontend\)/).map((j) => j.result)).toEqual(['failure']);
      expect(job(run, /staging \/ deploy \(backend\)/).map((j) => j.result)).toEqual(['success']);
      expect(job(run, /staging \/ smoke$/).map((j) => j.result)).toEqual(['skipped']);
      expect(output).toMatch(
        /deploy \(frontend\)\].*stopped: Essential container in task exited \(frontend: exit code 3\)/,
      );
      // The frontend already runs what it ran before (its deploy rolled itself back): nothing to do.
      const report = JSON.parse(readFileSync(join(dirname(run.report), 'report.json'), 'utf8')) as {
        jobs: { key: string; logFile: string }[];
      };
      const frontendRollback = report.jobs.find((j) => /staging \/ rollback \(frontend\)/.test(j.key))!;
      expect(readFileSync(frontendRollback.logFile, 'utf8')).toContain('nothing to roll back');
      for (const key of Object.keys(run.before)) expect(run.after[key]).toBe(run.before[key]);
      expect(run.after['staging/backend']).not.toBe(run.sha);
      expect(failedRequests(run)).toBe(0);
    },
    PIPELINE_TIMEOUT,
  );

  test(
    'the manual workflow (workflow_dispatch): deploy a given version to staging, then roll it back',
    async () => {
      // The images of the rolled-back run are in the registry under its commit: deploy that version by hand.
      if (!rolledBack)
        throw new Error('this test follows the rollback-path test (its images are the version deployed)');
      const version = rolledBack.sha;
      const before = await stagingBackendCommit();
      expect(before).not.toBe(version);
      const deployed = manual({ operation: 'deploy', environment: 'staging', version });
      if (deployed.status !== 0) console.log(deployed.output.slice(-20_000));
      expect(deployed.status).toBe(0);
      // A manual deploy runs no migrations; its smoke test must still run (GitHub's implicit
      // success() over the skipped migrate job skipped it, and with it the rollback).
      expect(deployed.output).toMatch(/job manual \/ deploy \/ migrate skipped/);
      expect(deployed.output).toMatch(/job manual \/ deploy \/ smoke success/);
      expect(await stagingBackendCommit()).toBe(version);

      const back = manual({ operation: 'rollback', environment: 'staging' });
      if (back.status !== 0) console.log(back.output.slice(-20_000));
      expect(back.status).toBe(0);
      expect(back.output).toMatch(/rollback \(backend\).*deploy-ecs@v1 success/);
      expect(await stagingBackendCommit()).toBe(before);
    },
    PIPELINE_TIMEOUT,
  );
});
