// The repository checks behind `npm run check` and `npm run docs`, runnable against any root.
import { checkActionlint } from './actionlint.mjs';
import { checkActionDefinitions, loadActions } from './actions.mjs';
import { checkContract } from './contract.mjs';
import { checkImportCycles } from './cycles.mjs';
import { checkDocs } from './docs.mjs';
import { sortProblems } from './yaml-source.mjs';

export { actionlintText, checkActionlint, listWorkflows } from './actionlint.mjs';
export { checkActionDefinitions, EXPECTED_USING, KEBAB_CASE, loadAction, loadActions } from './actions.mjs';
export { checkContract, checkContractSources, parseSuiteUses } from './contract.mjs';
export { CYCLE_ROOTS, checkImportCycles, findCycles, importGraph } from './cycles.mjs';
export {
  checkDocs,
  DEFAULT_REF,
  DEFAULT_REPO,
  DOCS_DIR,
  docPath,
  docsStatus,
  renderActionDoc,
  writeDocs,
} from './docs.mjs';
export { formatProblem, lineOf, parseYamlSource, readYamlSource, sortProblems } from './yaml-source.mjs';

/** @typedef {import('./yaml-source.mjs').Problem} Problem */

/**
 * Every check (docs, action.yml conventions, actionlint, contract, import cycles) on root; problems sorted by path and line.
 * @param {string} root
 * @param {{ repo?: string, ref?: string }} [opts]
 * @returns {Promise<Problem[]>}
 */
export async function runChecks(root, opts = {}) {
  const actions = loadActions(root);
  const problems = [
    ...checkDocs(root, { ...opts, actions }),
    ...checkActionDefinitions(actions),
    ...(await checkActionlint(root)),
    ...checkContract(root, { ...opts, actions }),
    ...checkImportCycles(root),
  ];
  return sortProblems(problems);
}
