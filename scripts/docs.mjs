#!/usr/bin/env node
// npm run docs                 write action-docs/<name>.md for every actions/<name>/action.yml
// npm run docs -- --check      report stale / missing docs without writing (exit 1 if any)
// options: --root DIR (default: the repository), --repo owner/name, --ref v1
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkDocs, formatProblem, writeDocs } from './lib/index.mjs';

const { values } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    root: { type: 'string' },
    repo: { type: 'string' },
    ref: { type: 'string' },
  },
});
const root = resolve(values.root ?? resolve(dirname(fileURLToPath(import.meta.url)), '..'));
const opts = { repo: values.repo, ref: values.ref };

if (values.check) {
  const problems = checkDocs(root, opts);
  for (const p of problems) console.log(formatProblem(p));
  if (problems.length) process.exit(1);
  console.log('action-docs are up to date');
} else {
  const statuses = writeDocs(root, opts);
  for (const s of statuses) {
    if (s.status === 'stale' || s.status === 'missing') console.log(`wrote ${s.path} (${s.status})`);
    if (s.status === 'orphan') console.log(`${s.path}:1: docs for an action that does not exist; delete it`);
  }
  const written = statuses.filter((s) => s.status === 'stale' || s.status === 'missing').length;
  console.log(`${statuses.filter((s) => s.status !== 'orphan').length} action(s), ${written} doc(s) written`);
}
