/**
 * Before anything runs: every `uses:` resolved (steps' actions, reusable workflows, recursively), and
 * the inputs and secrets a called workflow gets from its caller (`with:`/`secrets:` against
 * `on.workflow_call`), with their types, defaults and `required` checked.
 */
import { type ResolvedAction, type Resolver, resolveAction, resolveWorkflow } from './actions.js';
import { type Contexts, type Json, toText } from './expressions.js';
import type { Masker } from './masker.js';
import { at, evalToken, type JobDef, type StepDef, type WorkflowDef, WorkflowError } from './workflow.js';

export interface Prepared {
  called: Map<string, WorkflowDef>;
  actionsByStep: Map<StepDef, ResolvedAction>;
}

/** Resolves every `uses:` of a workflow and of the workflows it calls; fails on the first that cannot run. */
export async function prepare(
  workflow: WorkflowDef,
  resolver: Resolver,
  load: (path: string) => Promise<WorkflowDef>,
  into: Prepared,
  seen = new Set<string>(),
): Promise<void> {
  if (seen.has(workflow.path))
    throw new WorkflowError(`${workflow.display}: reusable workflows call each other in a cycle`);
  for (const job of workflow.jobs) {
    for (const need of job.needs) {
      if (!workflow.jobs.some((j) => j.id === need))
        throw new WorkflowError(`${at(job.where)}: needs unknown job ${need}`);
    }
    if (job.uses) {
      const file = resolveWorkflow(job.uses, job.where, resolver);
      if (!into.called.has(job.uses)) {
        const called = await load(file);
        if (!called.call) throw new WorkflowError(`${at(job.where)}: ${job.uses} has no on.workflow_call trigger`);
        into.called.set(job.uses, called);
        await prepare(called, resolver, load, into, new Set([...seen, workflow.path]));
      }
    }
    for (const step of job.steps) {
      if (step.uses) into.actionsByStep.set(step, resolveAction(step.uses, step.where, resolver));
      else if (!step.run) throw new WorkflowError(`${at(step.where)}: a step needs run: or uses:`);
    }
  }
}

/** Inputs of a called workflow: given values, then defaults; types coerced; required checked. */
export function callInputs(
  workflow: WorkflowDef,
  given: Record<string, Json>,
  how: string,
  contexts: Contexts,
  where?: string,
): Record<string, Json> {
  const definitions = workflow.call?.inputs;
  if (!definitions) return { ...given };
  const inputs: Record<string, Json> = {};
  const scope: Contexts = { ...contexts, inputs: {} };
  for (const name of Object.keys(given)) {
    if (!(name in definitions))
      throw new WorkflowError(
        `${where ?? workflow.display}: ${how}: input ${name} is not defined by ${workflow.display}`,
      );
  }
  for (const [name, def] of Object.entries(definitions)) {
    let value: Json = name in given ? given[name]! : def.default ? evalToken(def.default, scope) : null;
    if (value === null && def.required)
      throw new WorkflowError(
        `${where ?? workflow.display}: ${how}: required input ${name} of ${workflow.display} is missing`,
      );
    if (def.type === 'boolean' && value !== null) value = value === true || value === 'true';
    else if (def.type === 'number' && value !== null) value = Number(value);
    else if (value !== null) value = toText(value);
    else value = def.type === 'boolean' ? false : def.type === 'number' ? 0 : '';
    inputs[name] = value;
  }
  return inputs;
}

/** Secrets of a called workflow: `inherit`, or the mapped ones (masked); required ones checked. */
export function callSecrets(
  job: JobDef,
  called: WorkflowDef,
  callerSecrets: Record<string, string>,
  contexts: Contexts,
  masker: Masker,
): Record<string, string> {
  let secrets: Record<string, string> = { GITHUB_TOKEN: callerSecrets.GITHUB_TOKEN ?? '' };
  if (job.secrets === 'inherit') secrets = { ...callerSecrets };
  else if (job.secrets) {
    for (const [name, value] of Object.entries(evalToken(job.secrets, contexts) as Record<string, Json>)) {
      if (called.call && !(name in called.call.secrets)) {
        throw new WorkflowError(`${at(job.where)}: secret ${name} is not defined by ${called.display}`);
      }
      secrets[name] = toText(value);
      masker.add(secrets[name]);
    }
  }
  for (const [name, def] of Object.entries(called.call?.secrets ?? {})) {
    if (def.required && !secrets[name])
      throw new WorkflowError(`${at(job.where)}: required secret ${name} of ${called.display} is missing`);
  }
  return secrets;
}
