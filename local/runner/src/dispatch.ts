/**
 * `workflow_dispatch` inputs, checked as GitHub checks a dispatch before it creates the run (GitHub
 * docs, "on.workflow_dispatch.inputs"): no input the workflow does not define, every `required` one
 * given (a default satisfies it), booleans `true`/`false`, numbers numeric, a `choice` one of its
 * `options`; defaults for the rest. The `inputs` context keeps booleans and numbers typed; the event
 * payload (`github.event.inputs`) has every value as a string, as on GitHub.
 */
import type { Json } from './expressions.js';
import { at, type DispatchInputDef, type WorkflowDef, WorkflowError } from './workflow.js';

export interface DispatchInputs {
  inputs: Record<string, Json>;
  event: Record<string, string>;
}

const TYPES = ['string', 'boolean', 'number', 'choice', 'environment'];

export function dispatchInputs(workflow: WorkflowDef, given: Record<string, Json>): DispatchInputs {
  if (!workflow.dispatch)
    throw new WorkflowError(
      `workflow_dispatch: ${workflow.display} has no on.workflow_dispatch trigger; expected a workflow that can be run by hand`,
    );
  const definitions = workflow.dispatch.inputs;
  const problems: string[] = [];
  const names = Object.keys(definitions);
  for (const name of Object.keys(given)) {
    if (!(name in definitions))
      problems.push(`${name}: not an input of this workflow; expected one of ${names.join(', ') || '(none)'}`);
  }
  const result: DispatchInputs = { inputs: {}, event: {} };
  for (const [name, def] of Object.entries(definitions)) {
    const raw = name in given && given[name] !== null ? String(given[name]) : def.default;
    const value = check(name, def, raw, problems);
    if (value === undefined) continue;
    result.inputs[name] = value;
    result.event[name] = String(value);
  }
  if (problems.length)
    throw new WorkflowError(
      `workflow_dispatch: ${workflow.display}: the inputs are invalid, the run was not started:\n  ${problems.join('\n  ')}`,
    );
  return result;
}

/** One input's value in the `inputs` context, or undefined (with a problem) when it is not acceptable. */
function check(name: string, def: DispatchInputDef, raw: string | undefined, problems: string[]): Json | undefined {
  const where = at(def.where);
  if (!TYPES.includes(def.type)) {
    problems.push(`${name} (${where}): type ${def.type} is not an input type; expected ${TYPES.join(', ')}`);
    return undefined;
  }
  if (raw === undefined || raw === '') {
    if (def.required) {
      problems.push(`${name}: required and not given; expected ${expected(def)}`);
      return undefined;
    }
    return def.type === 'boolean' ? false : '';
  }
  switch (def.type) {
    case 'boolean':
      if (raw === 'true' || raw === 'false') return raw === 'true';
      break;
    case 'number': {
      const number = Number(raw);
      if (raw.trim() !== '' && Number.isFinite(number)) return number;
      break;
    }
    case 'choice':
      if (!def.options?.length) {
        problems.push(`${name} (${where}): a choice input without options; expected options: [...]`);
        return undefined;
      }
      if (def.options.includes(raw)) return raw;
      break;
    default:
      return raw;
  }
  problems.push(`${name}: ${JSON.stringify(raw)} is not valid; expected ${expected(def)}`);
  return undefined;
}

function expected(def: DispatchInputDef): string {
  switch (def.type) {
    case 'boolean':
      return 'true or false';
    case 'number':
      return 'a number';
    case 'choice':
      return `one of ${(def.options ?? []).join(', ')}`;
    case 'environment':
      return 'the name of an environment';
    default:
      return 'a value';
  }
}
