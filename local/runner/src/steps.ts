/**
 * What one step does: a `run:` script under its shell, a node action (main, then its post step at
 * the end of the job) with its INPUT_* (action.yml defaults included), or a stand-in.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { localActionAt, type NodeAction } from './actions.js';
import { interpolate, type Json, toText } from './expressions.js';
import { checkout, configureAws } from './stand-ins.js';
import { spawnStep } from './step-process.js';
import { inputVariable } from './step-protocol.mjs';
import type { Post, StepHost, StepRun } from './types.js';
import { at, evalToken, type StepDef, WorkflowError } from './workflow.js';

export function stepName(host: StepHost, step: StepDef): string {
  if (step.name) {
    try {
      return toText(evalToken(step.name, host.ctx()));
    } catch {
      /* fall through */
    }
  }
  if (step.uses) return step.uses;
  const source = step.run as { value?: string; source?: string } | undefined;
  const first = (source?.source ?? source?.value ?? '').split('\n').find((l) => l.trim()) ?? '';
  return `Run ${first.trim().slice(0, 60)}`;
}

export function runStepBody(host: StepHost, step: StepDef, env: Record<string, string>): Promise<StepRun> {
  return step.run ? runScript(host, step, env) : runUses(host, step, env);
}

function workingDir(host: StepHost, step: StepDef): string {
  const given = step.workingDirectory ? toText(evalToken(step.workingDirectory, host.ctx())) : host.workingDirectory;
  return given ? resolve(host.workspace, given) : host.workspace;
}

function shellCommand(host: StepHost, step: StepDef, script: string): [string, string[]] {
  const shell = step.shell ? toText(evalToken(step.shell, host.ctx())) : host.shell;
  const file = join(host.temp, `step-${randomUUID()}.sh`);
  writeFileSync(file, script);
  if (!shell) return ['bash', ['-e', file]];
  if (shell === 'bash') return ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', file]];
  if (shell === 'sh') return ['sh', ['-e', file]];
  if (shell.includes('{0}') && /^(bash|sh)\b/.test(shell)) {
    const [program, ...args] = shell.split(/\s+/);
    return [program!, args.map((a) => a.replace('{0}', file))];
  }
  throw new WorkflowError(
    `${at(step.where)}: shell: ${shell} is not supported by the local runner (bash, sh, or a bash/sh template with {0})`,
  );
}

function runScript(host: StepHost, step: StepDef, env: Record<string, string>): Promise<StepRun> {
  const script = toText(evalToken(step.run, host.ctx({ env }), host.evalOptions()));
  const [program, args] = shellCommand(host, step, script);
  return spawnStep(host, program, args, workingDir(host, step), env, step);
}

async function runUses(host: StepHost, step: StepDef, env: Record<string, string>): Promise<StepRun> {
  const resolved = host.run.actionsByStep.get(step)!;
  const given = withInputs(host, step, env);
  if (resolved.kind !== 'node') return resolved.kind === 'checkout' ? checkout(host, given) : configureAws(host, given);
  const action = step.uses?.startsWith('./') ? localActionAt(step.uses, step.where, host.workspace) : resolved;
  const inputs = actionInputs(host, action, given, step, env);
  const result = await spawnStep(
    host,
    host.run.node,
    [action.main],
    host.workspace,
    { ...env, ...inputs, GITHUB_ACTION_PATH: action.dir },
    step,
  );
  if (action.post) host.posts.push({ action, name: stepName(host, step), step, state: result.state, env });
  return result;
}

/** The post step of a node action, with the main step's state as STATE_*. */
export function runPostBody(host: StepHost, post: Post): Promise<StepRun> {
  const given = withInputs(host, post.step, post.env);
  const inputs = actionInputs(host, post.action, given, post.step, post.env);
  const state = Object.fromEntries(Object.entries(post.state).map(([k, v]) => [`STATE_${k}`, v]));
  return spawnStep(
    host,
    host.run.node,
    [post.action.post!],
    host.workspace,
    { ...post.env, ...host.env, ...inputs, ...state, GITHUB_ACTION_PATH: post.action.dir },
    post.step,
  );
}

function withInputs(host: StepHost, step: StepDef, env: Record<string, string>): Record<string, Json> {
  return (step.with ? evalToken(step.with, host.ctx({ env }), host.evalOptions()) : {}) as Record<string, Json>;
}

function actionInputs(
  host: StepHost,
  action: NodeAction,
  given: Record<string, Json>,
  step: StepDef,
  env: Record<string, string>,
): Record<string, string> {
  const inputs: Record<string, string> = {};
  const unexpected = Object.keys(given).filter((k) => !(k in action.inputs));
  if (unexpected.length)
    host.line(`Warning: ${at(step.where)}: unexpected input(s) ${unexpected.join(', ')} for ${action.label}`);
  for (const [name, def] of Object.entries(action.inputs)) {
    if (def.default !== undefined)
      inputs[inputVariable(name)] = interpolate(def.default, host.ctx({ env }), host.evalOptions());
  }
  for (const [name, value] of Object.entries(given)) inputs[inputVariable(name)] = toText(value);
  return inputs;
}
