/**
 * One job of the graph, fanned out: its `if:`, then `strategy.matrix` into legs (fail-fast,
 * max-parallel, the `strategy` and `matrix` contexts), each leg a job instance or a reusable workflow
 * call; the legs' results and outputs make the job's.
 */
import { callInputs, callSecrets } from './calls.js';
import { GROUPS, parseConcurrency } from './concurrency.js';
import { type Contexts, evaluateCondition, type Json, type StatusView, truthy } from './expressions.js';
import { JobRun } from './job.js';
import { type Combination, expandMatrix, matrixLabel } from './matrix.js';
import { jobPermissions } from './permissions.js';
import { ICON, type JobOutcome, jobRecord, type Result, type RunContext, type Scope, seconds, worst } from './types.js';
import { at, evalToken, type JobDef, WorkflowError } from './workflow.js';

export async function runJob(
  run: RunContext,
  scope: Scope,
  job: JobDef,
  needs: Record<string, JobOutcome>,
  status: StatusView,
): Promise<JobOutcome> {
  const key = `${scope.prefix}${job.id}`;
  const base: Contexts = {
    github: run.github,
    inputs: scope.inputs,
    vars: run.options.vars ?? {},
    needs,
    secrets: scope.secrets,
  };
  if (!evaluateCondition(job.if, base, { status, workspace: run.source })) {
    run.log(`- job ${key} skipped${job.if ? ` (if: ${job.if})` : ''}`);
    run.jobs.push(jobRecord(scope, job.id, job.id, 'skipped'));
    return { result: 'skipped', outputs: {} };
  }
  const strategy = (job.strategy ? evalToken(job.strategy, base) : null) as Record<string, Json> | null;
  const matrixValue = strategy?.matrix;
  const combinations: (Combination | undefined)[] = matrixValue ? expandMatrix(matrixValue) : [undefined];
  if (matrixValue && combinations.length === 0)
    throw new WorkflowError(`${at(job.where)}: strategy.matrix expands to no job`);
  const failFast = strategy?.['fail-fast'] === undefined ? true : truthy(strategy['fail-fast']!);
  const maxParallel = Number(strategy?.['max-parallel'] ?? combinations.length) || combinations.length;
  const outputs: Record<string, string> = {};
  const results: Result[] = [];
  let failed = false;
  let next = 0;
  const worker = async () => {
    while (next < combinations.length) {
      const index = next++;
      const matrix = combinations[index];
      const label = matrix ? `${job.id} (${matrixLabel(matrix)})` : job.id;
      if (failed && failFast) {
        run.log(`⊘ job ${scope.prefix}${label} cancelled (fail-fast)`);
        run.jobs.push(jobRecord(scope, job.id, label, 'cancelled'));
        results.push('cancelled');
        continue;
      }
      const contexts: Contexts = {
        ...base,
        matrix: matrix ?? null,
        strategy: {
          'fail-fast': failFast,
          'job-index': index,
          'job-total': combinations.length,
          'max-parallel': maxParallel,
        },
      };
      const outcome = job.uses
        ? await runCallerJob(run, scope, job, label, contexts)
        : await runStepsJob(run, scope, job, label, contexts);
      // Job-level continue-on-error is per leg, with the leg's matrix: a tolerated leg neither fails
      // the job nor cancels the others (GitHub docs, "jobs.<job_id>.strategy.fail-fast").
      const tolerated =
        outcome.result === 'failure' && job.continueOnError && truthy(evalToken(job.continueOnError, contexts));
      if (tolerated) run.log(`  job ${scope.prefix}${label} failed; continue-on-error lets the workflow go on`);
      const result = tolerated ? 'success' : outcome.result;
      results.push(result);
      if (result === 'failure') failed = true;
      for (const [k, v] of Object.entries(outcome.outputs)) if (v !== '' || !(k in outputs)) outputs[k] = v;
    }
  };
  await Promise.all(Array.from({ length: Math.min(maxParallel, combinations.length) }, worker));
  return { result: worst(results), outputs };
}

/** `jobs.<id>.uses`: a reusable workflow call with inputs, secrets and outputs. */
async function runCallerJob(
  run: RunContext,
  scope: Scope,
  job: JobDef,
  label: string,
  contexts: Contexts,
): Promise<JobOutcome> {
  const called = run.called.get(job.uses!)!;
  const key = `${scope.prefix}${label}`;
  const started = Date.now();
  run.log(`▶ job ${key} -> ${called.display}`);
  const given = (job.with ? evalToken(job.with, contexts) : {}) as Record<string, Json>;
  const defaults: Contexts = { github: run.github, vars: run.options.vars ?? {} };
  const inputs = callInputs(called, given, `jobs.${job.id}.with`, defaults, at(job.where));
  const secrets = callSecrets(job, called, scope.secrets, contexts, run.masker);
  const outcome = await run.runScope({
    workflow: called,
    prefix: `${key} / `,
    inputs,
    secrets,
    // The calling job's grant (checked before the run: the callee cannot ask for more).
    permissions: jobPermissions(scope.workflow, job, scope.permissions),
    depth: scope.depth + 1,
  });
  const entry = jobRecord(scope, job.id, label, outcome.result);
  entry.startedAt = started;
  entry.durationMs = Date.now() - started;
  entry.outputs = outcome.outputs;
  entry.notes.push(`calls ${called.display}`);
  run.jobs.push(entry);
  run.log(`${ICON[outcome.result]} job ${key} ${outcome.result} (${seconds(entry.durationMs)})`);
  return outcome;
}

async function runStepsJob(
  run: RunContext,
  scope: Scope,
  job: JobDef,
  label: string,
  contexts: Contexts,
): Promise<JobOutcome> {
  let instance: JobRun | undefined;
  // Job-level concurrency: a member of its group before it takes a runner (GitHub docs,
  // "jobs.<job_id>.concurrency"); replaced while pending, it ends cancelled without running.
  let release = () => {};
  if (job.concurrency) {
    const spec = parseConcurrency(
      evalToken(job.concurrency, contexts) as Json,
      at(job.where),
      String(run.github.repository),
    );
    const key = `${scope.prefix}${label}`;
    const admission = await GROUPS.join(
      spec,
      `${key} (run ${String(run.github.run_id)})`,
      () => instance?.cancel(),
      (line) => run.log(`  ${line}`),
    );
    if (!admission.admitted) {
      run.log(`⊘ job ${key} cancelled while pending in concurrency group ${spec.group}`);
      run.jobs.push(
        jobRecord(scope, job.id, label, 'cancelled', [`cancelled while pending in concurrency group ${spec.group}`]),
      );
      return { result: 'cancelled', outputs: {} };
    }
    release = admission.release;
  }
  instance = new JobRun(run, scope, job, label, contexts);
  try {
    const slot = await run.slot();
    try {
      return await instance.execute();
    } finally {
      slot();
    }
  } finally {
    release();
  }
}
