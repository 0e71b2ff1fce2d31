/**
 * Loads a workflow file with GitHub's own parser (@actions/workflow-parser: YAML, schema validation,
 * `${{ }}` placement rules, needs graph via convertWorkflowTemplate) and keeps the template tokens,
 * which carry file and line, for evaluation while the run goes. What the local runner does not
 * support is rejected here, before anything runs, with `file:line`.
 */
import { readFileSync } from 'node:fs';
import {
  convertWorkflowTemplate,
  isBasicExpression,
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString,
  NoOperationTraceWriter,
  parseWorkflow,
} from '@actions/workflow-parser';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { type Contexts, type EvalOptions, evaluate, type Json } from './expressions.js';

export class WorkflowError extends Error {}

export interface Where {
  file: string;
  line?: number;
}
export const at = (where: Where): string => (where.line ? `${where.file}:${where.line}` : where.file);

export interface StepDef {
  index: number;
  id?: string;
  name?: TemplateToken;
  if?: string;
  run?: TemplateToken;
  uses?: string;
  with?: MappingToken;
  env?: TemplateToken;
  shell?: TemplateToken;
  workingDirectory?: TemplateToken;
  continueOnError?: TemplateToken;
  timeoutMinutes?: TemplateToken;
  where: Where;
}

export interface JobDef {
  id: string;
  name?: TemplateToken;
  needs: string[];
  if?: string;
  strategy?: TemplateToken;
  outputs?: MappingToken;
  env?: TemplateToken;
  defaults?: TemplateToken;
  steps: StepDef[];
  /** Reusable workflow call. */
  uses?: string;
  with?: MappingToken;
  secrets?: MappingToken | 'inherit';
  timeoutMinutes?: TemplateToken;
  continueOnError?: TemplateToken;
  environment?: TemplateToken;
  concurrency?: TemplateToken;
  permissions?: TemplateToken;
  runsOn?: TemplateToken;
  where: Where;
}

export interface CallInputDef {
  type: string;
  required: boolean;
  default?: TemplateToken;
}

/** `on.workflow_dispatch.inputs.<name>` (GitHub docs, "on.workflow_dispatch.inputs"). */
export interface DispatchInputDef {
  type: string;
  required: boolean;
  default?: string;
  options?: string[];
  where: Where;
}

export interface WorkflowDef {
  path: string;
  /** The path as shown in messages (relative to the repository when inside it). */
  display: string;
  name: string;
  events: string[];
  call?: {
    inputs: Record<string, CallInputDef>;
    secrets: Record<string, { required: boolean }>;
    outputs: Record<string, TemplateToken>;
  };
  dispatch?: { inputs: Record<string, DispatchInputDef> };
  env?: TemplateToken;
  defaults?: TemplateToken;
  concurrency?: TemplateToken;
  permissions?: TemplateToken;
  jobs: JobDef[];
}

const str = (token: TemplateToken | undefined): string | undefined => {
  if (!token) return undefined;
  if (isString(token)) return token.value;
  if (isBasicExpression(token)) return `\${{ ${token.expression} }}`;
  if (isNumber(token) || isBoolean(token)) return String(token.value);
  return undefined;
};

function entries(token: TemplateToken | undefined): [string, TemplateToken][] {
  if (!token || !isMapping(token)) return [];
  const result: [string, TemplateToken][] = [];
  for (const pair of token) result.push([str(pair.key) ?? '', pair.value]);
  return result;
}

/** `if:` text: the expression with or without `${{ }}` (evaluateCondition handles both). */
function condition(token: TemplateToken): string {
  if (isBasicExpression(token)) return token.expression;
  return str(token) ?? '';
}

const SUPPORTED_JOB_KEYS = new Set([
  'name',
  'needs',
  'if',
  'runs-on',
  'strategy',
  'outputs',
  'env',
  'defaults',
  'steps',
  'uses',
  'with',
  'secrets',
  'timeout-minutes',
  'continue-on-error',
  'environment',
  'concurrency',
  'permissions',
]);
const SUPPORTED_STEP_KEYS = new Set([
  'id',
  'name',
  'if',
  'run',
  'uses',
  'with',
  'env',
  'shell',
  'working-directory',
  'continue-on-error',
  'timeout-minutes',
]);

export async function loadWorkflow(path: string, display = path, content?: string): Promise<WorkflowDef> {
  const text = content ?? readFileSync(path, 'utf8');
  const parsed = parseWorkflow({ name: display, content: text }, new NoOperationTraceWriter());
  const problems = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value && problems.length === 0) {
    // The converter checks the needs graph (unknown jobs, cycles) and more.
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    for (const error of template.errors ?? []) problems.push(error.Message);
  }
  if (problems.length || !parsed.value) {
    throw new WorkflowError(`${display}: the workflow is invalid:\n  ${[...new Set(problems)].join('\n  ')}`);
  }
  const root = parsed.value as MappingToken;
  const whereOf = (token: TemplateToken): Where => ({ file: display, line: token.line });
  const unsupported = (token: TemplateToken, what: string): never => {
    throw new WorkflowError(
      `${at(whereOf(token))}: ${what} is not supported by the local runner (see local/runner/README.md)`,
    );
  };

  const workflow: WorkflowDef = { path, display, name: display, events: [], jobs: [] };
  for (const [key, value] of entries(root)) {
    if (key === 'name') workflow.name = str(value) ?? display;
    else if (key === 'env') workflow.env = value;
    else if (key === 'defaults') workflow.defaults = value;
    else if (key === 'concurrency') workflow.concurrency = value;
    else if (key === 'permissions') workflow.permissions = value;
    else if (key === 'on') {
      if (isString(value)) workflow.events = [value.value];
      else if (isSequence(value)) for (const item of value) workflow.events.push(str(item) ?? '');
      else
        for (const [event, config] of entries(value)) {
          workflow.events.push(event);
          if (event === 'workflow_call') workflow.call = readCall(config);
          if (event === 'workflow_dispatch') workflow.dispatch = readDispatch(config);
        }
    }
  }
  const jobsToken = root.find('jobs');
  for (const [id, jobToken] of entries(jobsToken)) {
    const job: JobDef = { id, needs: [], steps: [], where: whereOf(jobToken) };
    for (const [key, value] of entries(jobToken)) {
      if (!SUPPORTED_JOB_KEYS.has(key)) unsupported(value, `job key \`${key}:\``);
      switch (key) {
        case 'name':
          job.name = value;
          break;
        case 'needs':
          job.needs = isSequence(value) ? [...value].map((t) => str(t) ?? '') : [str(value) ?? ''];
          break;
        case 'if':
          job.if = condition(value);
          break;
        case 'runs-on':
          job.runsOn = value;
          break;
        case 'strategy':
          job.strategy = value;
          break;
        case 'outputs':
          job.outputs = value as MappingToken;
          break;
        case 'env':
          job.env = value;
          break;
        case 'defaults':
          job.defaults = value;
          break;
        case 'uses':
          job.uses = str(value);
          break;
        case 'with':
          job.with = value as MappingToken;
          break;
        case 'secrets':
          job.secrets = isString(value) && value.value === 'inherit' ? 'inherit' : (value as MappingToken);
          break;
        case 'timeout-minutes':
          job.timeoutMinutes = value;
          break;
        case 'continue-on-error':
          job.continueOnError = value;
          break;
        case 'environment':
          job.environment = value;
          break;
        case 'concurrency':
          job.concurrency = value;
          break;
        case 'permissions':
          job.permissions = value;
          break;
        case 'steps': {
          let index = 0;
          for (const stepToken of isSequence(value) ? value : []) job.steps.push(readStep(stepToken, index++));
          break;
        }
      }
    }
    workflow.jobs.push(job);
  }
  return workflow;

  function readStep(token: TemplateToken, index: number): StepDef {
    const step: StepDef = { index, where: whereOf(token) };
    for (const [key, value] of entries(token)) {
      if (!SUPPORTED_STEP_KEYS.has(key)) unsupported(value, `step key \`${key}:\``);
      if (key === 'id') step.id = str(value);
      else if (key === 'name') step.name = value;
      else if (key === 'if') step.if = condition(value);
      else if (key === 'run') step.run = value;
      else if (key === 'uses') step.uses = str(value);
      else if (key === 'with') step.with = value as MappingToken;
      else if (key === 'env') step.env = value;
      else if (key === 'shell') step.shell = value;
      else if (key === 'working-directory') step.workingDirectory = value;
      else if (key === 'continue-on-error') step.continueOnError = value;
      else if (key === 'timeout-minutes') step.timeoutMinutes = value;
    }
    return step;
  }

  function readDispatch(config: TemplateToken): WorkflowDef['dispatch'] {
    const inputs: Record<string, DispatchInputDef> = {};
    for (const [key, value] of entries(config)) {
      if (key !== 'inputs') continue;
      for (const [name, def] of entries(value)) {
        const fields = Object.fromEntries(entries(def));
        const options =
          fields.options && isSequence(fields.options) ? [...fields.options].map((o) => str(o) ?? '') : undefined;
        inputs[name] = {
          type: str(fields.type) ?? 'string',
          required: str(fields.required) === 'true',
          default: str(fields.default),
          options,
          where: whereOf(def),
        };
      }
    }
    return { inputs };
  }

  function readCall(config: TemplateToken): WorkflowDef['call'] {
    const call: NonNullable<WorkflowDef['call']> = { inputs: {}, secrets: {}, outputs: {} };
    for (const [key, value] of entries(config)) {
      if (key === 'inputs')
        for (const [name, def] of entries(value)) {
          const fields = Object.fromEntries(entries(def));
          call.inputs[name] = {
            type: str(fields.type) ?? 'string',
            required: str(fields.required) === 'true',
            default: fields.default,
          };
        }
      if (key === 'secrets')
        for (const [name, def] of entries(value))
          call.secrets[name] = { required: str(Object.fromEntries(entries(def)).required) === 'true' };
      if (key === 'outputs')
        for (const [name, def] of entries(value)) {
          const output = Object.fromEntries(entries(def)).value;
          if (output) call.outputs[name] = output;
        }
    }
    return call;
  }
}

/** Evaluates a template token to a plain value; `${{ }}` parts are evaluated with the contexts. */
export function evalToken(token: TemplateToken | undefined, contexts: Contexts, options: EvalOptions = {}): Json {
  if (!token) return null;
  if (isBasicExpression(token)) {
    const header = token.blockScalarHeader;
    return evaluate(token.expression, contexts, header ? { ...options, blockScalar: header } : options);
  }
  if (isString(token)) return token.value;
  if (isNumber(token) || isBoolean(token)) return token.value;
  if (isSequence(token)) return [...token].map((item) => evalToken(item, contexts, options));
  if (isMapping(token)) {
    const result: Record<string, Json> = {};
    for (const pair of token) {
      const key = evalToken(pair.key, contexts, options);
      result[String(key)] = evalToken(pair.value, contexts, options);
    }
    return result;
  }
  if (token.isExpression) throw new WorkflowError(`line ${token.line}: \${{ insert }} is not supported`);
  return null;
}

export const tokenLine = (token: TemplateToken | undefined): number | undefined => token?.line;
