/**
 * The job graph of one workflow: each job starts once its `needs` (and their ancestors) have
 * settled, sees the status functions over them, and the workflow's result and `workflow_call`
 * outputs come from all of its jobs.
 */
import { errorMessage } from '../../../shared/errors.js';
import { GROUPS, parseConcurrency } from './concurrency.js';
import type { Contexts, Json, StatusView } from './expressions.js';
import { toText } from './expressions.js';
import { runJob } from './fan-out.js';
import { type JobOutcome, jobRecord, type Result, type RunContext, type Scope, worst } from './types.js';
import { evalToken, type JobDef } from './workflow.js';

export async function runScope(run: RunContext, scope: Scope): Promise<JobOutcome> {
  const { workflow } = scope;
  if (workflow.permissions) {
    const value = evalToken(workflow.permissions, {});
    run.log(`  ${workflow.display}: permissions ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  if (!workflow.concurrency) return runJobs(run, scope);
  // Workflow-level concurrency: the whole workflow (top or called) is one member of its group; a
  // newer run cancelling it in progress cancels this run (GitHub docs, "concurrency").
  const contexts = { github: run.github, inputs: scope.inputs, vars: run.options.vars ?? {} };
  const spec = parseConcurrency(
    evalToken(workflow.concurrency, contexts) as Json,
    workflow.display,
    String(run.github.repository),
  );
  const label = `${scope.prefix || ''}${workflow.display} (run ${String(run.github.run_id)})`;
  const admission = await GROUPS.join(
    spec,
    label,
    () => run.cancel(),
    (line) => run.log(`  ${line}`),
  );
  if (!admission.admitted) {
    run.log(`⊘ ${workflow.display}: cancelled while pending in concurrency group ${spec.group}`);
    return { result: 'cancelled', outputs: {} };
  }
  try {
    return await runJobs(run, scope);
  } finally {
    admission.release();
  }
}

async function runJobs(run: RunContext, scope: Scope): Promise<JobOutcome> {
  const { workflow } = scope;
  const byId = new Map(workflow.jobs.map((j) => [j.id, j]));
  const ancestors = (id: string, acc = new Set<string>()): Set<string> => {
    for (const need of byId.get(id)?.needs ?? []) if (!acc.has(need)) ancestors(need, acc.add(need));
    return acc;
  };
  const outcomes = new Map<string, Promise<JobOutcome>>();
  const settled = new Map<string, JobOutcome>();
  const jobPromise = (job: JobDef): Promise<JobOutcome> => {
    let promise = outcomes.get(job.id);
    if (!promise) {
      promise = (async () => {
        const needs: Record<string, JobOutcome> = {};
        for (const need of job.needs) needs[need] = await jobPromise(byId.get(need)!);
        await Promise.all([...ancestors(job.id)].map((a) => jobPromise(byId.get(a)!)));
        // Job-level status functions look at the whole chain of ancestors, not only `needs`: a job
        // with no `if:` (implicit success()) is skipped when any ancestor failed or was skipped, even
        // if its direct needs succeeded (GitHub docs, "Status check functions", and
        // "jobs.<job_id>.needs": "If a job fails or is skipped, all jobs that need it are skipped").
        const chain = [...ancestors(job.id)].map((a) => settled.get(a)!.result);
        const status: StatusView = {
          success: () => !run.cancelled && chain.every((r) => r === 'success'),
          failure: () => chain.includes('failure'),
          cancelled: () => run.cancelled,
        };
        let outcome: JobOutcome;
        try {
          outcome = await runJob(run, scope, job, needs, status);
        } catch (e) {
          const message = errorMessage(e);
          run.log(`✗ ${scope.prefix}${job.id}: ${message}`);
          run.jobs.push(jobRecord(scope, job.id, job.id, 'failure', [message]));
          outcome = { result: 'failure', outputs: {} };
        }
        settled.set(job.id, outcome);
        return outcome;
      })();
      outcomes.set(job.id, promise);
    }
    return promise;
  };
  await Promise.all(workflow.jobs.map(jobPromise));
  const results = [...settled.values()].map((o) => o.result);
  const result: Result = run.cancelled ? 'cancelled' : worst(results);
  const outputs: Record<string, string> = {};
  if (workflow.call) {
    const contexts: Contexts = {
      github: run.github,
      inputs: scope.inputs,
      vars: run.options.vars ?? {},
      jobs: Object.fromEntries(settled),
    };
    for (const [name, token] of Object.entries(workflow.call.outputs))
      outputs[name] = toText(evalToken(token, contexts));
  }
  return { result, outputs };
}
