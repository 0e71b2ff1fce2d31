// The contract between workflows and the suite: every step that uses a suite action
// (`./actions/<name>` or `<repo>/<name>@<ref>`) passes only inputs its action.yml declares and every
// required input (required: true, no default); the action exists. Job-level calls of the suite's
// reusable workflows (`./.github/workflows/x.yml`, `<repo>/.github/workflows/x.yml@<ref>`) are held
// to `on.workflow_call.inputs` the same way.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSeq } from 'yaml';
import { listWorkflows } from './actionlint.mjs';
import { loadActions } from './actions.mjs';
import { DEFAULT_REPO } from './docs.mjs';
import { lineOf, mapEntries, mapGet, parseYamlSource, scalarValue } from './yaml-source.mjs';

/** @typedef {import('./yaml-source.mjs').Problem} Problem */
/** @typedef {import('./yaml-source.mjs').YamlSource} YamlSource */
/** @typedef {import('./actions.mjs').SuiteAction} SuiteAction */

/**
 * @typedef {{ kind: 'action', name: string, ref: string | undefined }
 *   | { kind: 'workflow', path: string, ref: string | undefined }
 *   | { kind: 'invalid', reason: string }} SuiteRef
 */

/**
 * What a `uses:` value refers to in the suite, or null when it is not the suite's
 * (a third-party action, docker://, another repository).
 * @param {string} uses
 * @param {string} [repo]  owner/name of the suite (case-insensitive), default org/deploy-actions
 * @returns {SuiteRef | null}
 */
export function parseSuiteUses(uses, repo = DEFAULT_REPO) {
  const u = uses.trim();
  if (u.startsWith('./')) {
    const path = u.slice(2).replace(/\/+$/, '');
    if (path.startsWith('.github/workflows/')) return { kind: 'workflow', path, ref: undefined };
    if (!path.startsWith('actions/')) return null;
    const rest = path.slice('actions/'.length);
    if (!rest || rest.includes('/'))
      return { kind: 'invalid', reason: `"${uses}" is not an action folder of the suite` };
    return { kind: 'action', name: rest, ref: undefined };
  }
  const at = u.lastIndexOf('@');
  const target = at === -1 ? u : u.slice(0, at);
  const ref = at === -1 ? undefined : u.slice(at + 1);
  const prefix = `${repo.toLowerCase()}/`;
  if (target.toLowerCase() === repo.toLowerCase()) {
    return { kind: 'invalid', reason: `"${uses}" is the repository root; use ${repo}/<action>@<ref>` };
  }
  if (!target.toLowerCase().startsWith(prefix)) return null;
  const path = target.slice(prefix.length).replace(/\/+$/, '');
  if (ref === undefined || ref === '') return { kind: 'invalid', reason: `"${uses}" has no @<ref>` };
  if (path.startsWith('.github/workflows/')) return { kind: 'workflow', path, ref };
  if (!path || path.includes('/')) return { kind: 'invalid', reason: `"${uses}" is not an action of the suite` };
  return { kind: 'action', name: path, ref };
}

/**
 * @typedef {object} Callee  inputs of a suite action or reusable workflow
 * @property {string} label  for messages: `actions/x/action.yml` or `.github/workflows/x.yml`
 * @property {{ name: string, required: boolean, hasDefault: boolean }[]} inputs
 */

/**
 * Check one `uses:` + `with:` against a callee.
 * @param {YamlSource} src
 * @param {Callee} callee
 * @param {{ keyNode: any, value: any }} usesEntry
 * @param {{ keyNode: any, value: any } | undefined} withEntry
 * @returns {Problem[]}
 */
function checkCall(src, callee, usesEntry, withEntry) {
  /** @type {Problem[]} */
  const problems = [];
  const declared = new Map(callee.inputs.map((i) => [i.name.toLowerCase(), i]));
  const given = new Set();
  for (const { key, keyNode } of mapEntries(withEntry?.value)) {
    given.add(key.toLowerCase());
    if (!declared.has(key.toLowerCase())) {
      const names = callee.inputs.map((i) => i.name).join(', ') || 'none';
      problems.push({
        path: src.path,
        line: lineOf(src, keyNode),
        message: `input "${key}" is not defined in ${callee.label} (inputs: ${names})`,
      });
    }
  }
  for (const i of callee.inputs) {
    if (i.required && !i.hasDefault && !given.has(i.name.toLowerCase())) {
      problems.push({
        path: src.path,
        line: lineOf(src, usesEntry.keyNode),
        message: `missing required input "${i.name}" of ${callee.label}`,
      });
    }
  }
  return problems;
}

/**
 * Inputs of a reusable workflow (`on.workflow_call.inputs`), or undefined when it is not callable.
 * @param {string} root
 * @param {string} path  .github/workflows/x.yml
 * @returns {Callee | undefined | 'missing'}
 */
function loadWorkflowCallee(root, path) {
  const abs = join(root, path);
  if (!existsSync(abs)) return 'missing';
  const src = parseYamlSource(readFileSync(abs, 'utf8'), path);
  const on = mapGet(src.doc.contents, 'on')?.value;
  const call = mapGet(on, 'workflow_call');
  if (!call) return undefined;
  return {
    label: path,
    inputs: mapEntries(mapGet(call.value, 'inputs')?.value).map(({ key, value }) => {
      const req = scalarValue(mapGet(value, 'required')?.value);
      return {
        name: key,
        required: req === true || req === 'true',
        hasDefault: scalarValue(mapGet(value, 'default')?.value) !== undefined,
      };
    }),
  };
}

/**
 * The contract check on the given workflow sources.
 * @param {string} root
 * @param {YamlSource[]} workflows
 * @param {{ repo?: string, actions?: SuiteAction[] }} [opts]
 * @returns {Problem[]}
 */
export function checkContractSources(root, workflows, opts = {}) {
  const repo = opts.repo ?? DEFAULT_REPO;
  const actions = new Map((opts.actions ?? loadActions(root)).map((a) => [a.name, a]));
  /** @type {Map<string, Callee | undefined | 'missing'>} */
  const workflowCache = new Map();
  /** @type {Problem[]} */
  const problems = [];

  for (const src of workflows) {
    if (src.errors.length) continue; // actionlint reports YAML errors
    for (const job of mapEntries(mapGet(src.doc.contents, 'jobs')?.value)) {
      const jobUses = mapGet(job.value, 'uses');
      if (jobUses) {
        const ref = parseSuiteUses(String(scalarValue(jobUses.value) ?? ''), repo);
        if (ref?.kind === 'invalid') {
          problems.push({ path: src.path, line: lineOf(src, jobUses.keyNode), message: ref.reason });
        } else if (ref?.kind === 'action') {
          problems.push({
            path: src.path,
            line: lineOf(src, jobUses.keyNode),
            message: `job "${job.key}" uses action "${ref.name}" as a reusable workflow; use it in a step`,
          });
        } else if (ref?.kind === 'workflow') {
          if (!workflowCache.has(ref.path)) workflowCache.set(ref.path, loadWorkflowCallee(root, ref.path));
          const callee = workflowCache.get(ref.path);
          if (callee === 'missing') {
            problems.push({
              path: src.path,
              line: lineOf(src, jobUses.keyNode),
              message: `unknown suite workflow "${ref.path}" (no such file)`,
            });
          } else if (callee === undefined) {
            problems.push({
              path: src.path,
              line: lineOf(src, jobUses.keyNode),
              message: `suite workflow "${ref.path}" has no on.workflow_call`,
            });
          } else {
            problems.push(...checkCall(src, callee, jobUses, mapGet(job.value, 'with')));
          }
        }
      }
      const steps = mapGet(job.value, 'steps')?.value;
      if (!isSeq(steps)) continue;
      for (const step of steps.items) {
        const uses = mapGet(step, 'uses');
        if (!uses) continue;
        const ref = parseSuiteUses(String(scalarValue(uses.value) ?? ''), repo);
        if (!ref) continue;
        const line = lineOf(src, uses.keyNode);
        if (ref.kind === 'invalid') {
          problems.push({ path: src.path, line, message: ref.reason });
          continue;
        }
        if (ref.kind === 'workflow') {
          problems.push({ path: src.path, line, message: `a step cannot use the reusable workflow "${ref.path}"` });
          continue;
        }
        const action = actions.get(ref.name);
        if (!action) {
          problems.push({
            path: src.path,
            line,
            message: `unknown suite action "${ref.name}" (no actions/${ref.name}/action.yml)`,
          });
          continue;
        }
        const callee = {
          label: action.path,
          inputs: action.inputs.map((i) => ({
            name: i.name,
            required: i.required,
            hasDefault: i.default !== undefined,
          })),
        };
        problems.push(...checkCall(src, callee, uses, mapGet(step, 'with')));
      }
    }
  }
  return problems;
}

/**
 * The contract check on every workflow under root (`.github/workflows/*.yml|yaml`).
 * @param {string} root
 * @param {{ repo?: string, actions?: SuiteAction[], files?: string[] }} [opts]
 * @returns {Problem[]}
 */
export function checkContract(root, opts = {}) {
  const files = opts.files ?? listWorkflows(root);
  const sources = files.map((f) => parseYamlSource(readFileSync(join(root, f), 'utf8'), f));
  return checkContractSources(root, sources, opts);
}
