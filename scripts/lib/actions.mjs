// Loading the suite's actions (`actions/<name>/action.yml`) with line numbers, and the
// action.yml conventions check (descriptions, runs.using, kebab-case names).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineOf, mapEntries, mapGet, readYamlSource, scalarValue } from './yaml-source.mjs';

/** @typedef {import('./yaml-source.mjs').Problem} Problem */

/**
 * @typedef {object} ActionParam
 * @property {string} name
 * @property {string} description  '' when missing
 * @property {boolean} hasDescription  false when missing, null or blank
 * @property {boolean} required  inputs only: `required: true`
 * @property {string | undefined} default  inputs only: the default as written (undefined when absent / null)
 * @property {number} line  line of the name in action.yml
 */

/**
 * @typedef {object} SuiteAction
 * @property {string} name       the folder name (what `org/deploy-actions/<name>@v1` refers to)
 * @property {string} path       `actions/<name>/action.yml` (relative to root)
 * @property {string} title      `name:` in action.yml ('' when missing)
 * @property {string} description
 * @property {ActionParam[]} inputs   in file order
 * @property {ActionParam[]} outputs  in file order
 * @property {string | undefined} using  `runs.using`
 * @property {number} usingLine
 * @property {string | undefined} examples  contents of `actions/<name>/examples.md`, if present
 * @property {import('./yaml-source.mjs').YamlSource} source
 */

export const ACTION_FILE_NAMES = ['action.yml', 'action.yaml'];

/**
 * Every `actions/<name>/action.yml` under root, sorted by name. A folder without action.yml is skipped.
 * @param {string} root
 * @returns {SuiteAction[]}
 */
export function loadActions(root) {
  const dir = join(root, 'actions');
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  /** @type {SuiteAction[]} */
  const actions = [];
  for (const name of names) {
    const file = ACTION_FILE_NAMES.find((f) => existsSync(join(dir, name, f)));
    if (!file) continue;
    actions.push(loadAction(root, name, file));
  }
  return actions;
}

/**
 * @param {string} root
 * @param {string} name
 * @param {string} [file]
 * @returns {SuiteAction}
 */
export function loadAction(root, name, file = 'action.yml') {
  const rel = `actions/${name}/${file}`;
  const source = readYamlSource(join(root, rel), rel);
  const top = source.doc.contents;
  const runs = mapGet(top, 'runs');
  const using = mapGet(runs?.value, 'using');
  const examplesPath = join(root, 'actions', name, 'examples.md');
  return {
    name,
    path: rel,
    title: str(scalarValue(mapGet(top, 'name')?.value)),
    description: str(scalarValue(mapGet(top, 'description')?.value)),
    inputs: params(source, mapGet(top, 'inputs')?.value, true),
    outputs: params(source, mapGet(top, 'outputs')?.value, false),
    using: using ? str(scalarValue(using.value)) : undefined,
    usingLine: using ? lineOf(source, using.value, lineOf(source, using.keyNode)) : lineOf(source, runs?.keyNode),
    examples: existsSync(examplesPath) ? readFileSync(examplesPath, 'utf8') : undefined,
    source,
  };
}

/** @param {unknown} v */
function str(v) {
  return v === undefined || v === null ? '' : String(v);
}

/**
 * @param {import('./yaml-source.mjs').YamlSource} source
 * @param {unknown} node
 * @param {boolean} isInput
 * @returns {ActionParam[]}
 */
function params(source, node, isInput) {
  return mapEntries(node).map(({ key, keyNode, value }) => {
    const description = str(scalarValue(mapGet(value, 'description')?.value));
    const required = scalarValue(mapGet(value, 'required')?.value);
    const def = mapGet(value, 'default');
    const defValue = def ? scalarValue(def.value) : undefined;
    return {
      name: key,
      description: description.trim(),
      hasDescription: description.trim() !== '',
      required: isInput && (required === true || required === 'true'),
      default: defValue === undefined ? undefined : String(defValue),
      line: lineOf(source, keyNode),
    };
  });
}

export const KEBAB_CASE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const EXPECTED_USING = 'node24';

/**
 * The action.yml conventions: valid YAML, `name` and `description`, `runs.using: node24`,
 * a non-empty description on every input and output, kebab-case input and output names.
 * @param {SuiteAction[]} actions
 * @returns {Problem[]}
 */
export function checkActionDefinitions(actions) {
  /** @type {Problem[]} */
  const problems = [];
  for (const a of actions) {
    const p = a.path;
    problems.push(...a.source.errors);
    if (a.source.errors.length) continue;
    if (!a.title.trim()) problems.push({ path: p, line: 1, message: 'action has no name' });
    if (!a.description.trim()) problems.push({ path: p, line: 1, message: 'action has no description' });
    if (a.using !== EXPECTED_USING) {
      const got = a.using === undefined ? 'missing' : `"${a.using}"`;
      problems.push({ path: p, line: a.usingLine, message: `runs.using must be "${EXPECTED_USING}" (got ${got})` });
    }
    for (const [kind, list] of /** @type {const} */ ([
      ['input', a.inputs],
      ['output', a.outputs],
    ])) {
      for (const param of list) {
        if (!param.hasDescription) {
          problems.push({ path: p, line: param.line, message: `${kind} "${param.name}" has no description` });
        }
        if (!KEBAB_CASE.test(param.name)) {
          problems.push({ path: p, line: param.line, message: `${kind} "${param.name}" is not kebab-case` });
        }
      }
    }
  }
  return problems;
}
