#!/usr/bin/env node
// Builds the release tree that `uses: <owner>/<repo>/<action>@vX` resolves to: each action flattened
// to <name>/action.yml + <name>/dist/ at the root, the reusable workflows with every suite
// reference (`org/deploy-actions/<name>@...`, `org/deploy-actions/.github/workflows/x.yml@...`)
// rewritten to `<owner>/<repo>/...@v<version>`, plus action-docs/ and README.md.
// Usage: node scripts/release-tree.mjs --out DIR --repo owner/name --version X.Y.Z [--source org/deploy-actions]
// Run `npm run build` first: the bundles are part of the tree.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Rewrites every suite reference in a workflow to the released repository and exact version. */
export function rewriteReferences(text, { source = 'org/deploy-actions', repo, version }) {
  const pattern = new RegExp(`(uses:\\s*['"]?)${escapeRegExp(source)}/([A-Za-z0-9_./-]+)@[A-Za-z0-9_.-]+`, 'gi');
  return text.replace(pattern, (_match, prefix, path) => `${prefix}${repo}/${path}@v${version}`);
}

/** Reusable workflows: the ones callable with `on: workflow_call`. */
export function reusableWorkflows(root = ROOT) {
  const dir = join(root, '.github/workflows');
  return readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .filter((file) => {
      const on = parse(readFileSync(join(dir, file), 'utf8'))?.on;
      return on && typeof on === 'object' && 'workflow_call' in on;
    })
    .sort();
}

export function buildReleaseTree({ root = ROOT, out, repo, version, source = 'org/deploy-actions' }) {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo ?? '')) throw new Error(`--repo: "${repo}" is not owner/name`);
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version ?? '')) throw new Error(`--version: "${version}" is not X.Y.Z`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const actions = readdirSync(join(root, 'actions'))
    .filter((name) => existsSync(join(root, 'actions', name, 'action.yml')))
    .sort();
  for (const name of actions) {
    const dist = join(root, 'actions', name, 'dist');
    if (!existsSync(join(dist, 'index.js')))
      throw new Error(`actions/${name}/dist/index.js is missing: run npm run build`);
    cpSync(join(root, 'actions', name, 'action.yml'), join(out, name, 'action.yml'));
    cpSync(dist, join(out, name, 'dist'), { recursive: true });
  }
  const workflows = reusableWorkflows(root);
  mkdirSync(join(out, '.github/workflows'), { recursive: true });
  for (const file of workflows) {
    const text = readFileSync(join(root, '.github/workflows', file), 'utf8');
    writeFileSync(join(out, '.github/workflows', file), rewriteReferences(text, { source, repo, version }));
  }
  for (const extra of ['action-docs', 'README.md', 'LICENSE']) {
    if (existsSync(join(root, extra))) cpSync(join(root, extra), join(out, extra), { recursive: true });
  }
  return { actions, workflows };
}

/** Every `uses:` in the tree that names the released repository, with whether it resolves inside it. */
export function releaseReferences(out, repo) {
  const references = [];
  const dir = join(out, '.github/workflows');
  for (const file of readdirSync(dir)) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    lines.forEach((line, index) => {
      const match = /uses:\s*['"]?([^\s'"#]+)/.exec(line);
      if (!match?.[1].toLowerCase().startsWith(`${repo.toLowerCase()}/`)) return;
      const [path, ref] = match[1].slice(repo.length + 1).split('@');
      const target = path.startsWith('.github/workflows/') ? join(out, path) : join(out, path, 'action.yml');
      references.push({
        file: `.github/workflows/${file}`,
        line: index + 1,
        uses: match[1],
        ref,
        resolves: existsSync(target),
      });
    });
  }
  return references;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = Object.fromEntries(
    process.argv
      .slice(2)
      .join(' ')
      .split('--')
      .filter(Boolean)
      .map((pair) => pair.trim().split(/\s+/)),
  );
  try {
    const { actions, workflows } = buildReleaseTree({
      out: args.out,
      repo: args.repo,
      version: args.version,
      source: args.source,
    });
    const broken = releaseReferences(args.out, args.repo).filter((r) => !r.resolves);
    for (const r of broken) console.error(`${r.file}:${r.line}: ${r.uses} does not resolve in the release tree`);
    if (broken.length) process.exit(1);
    console.log(
      `release tree for ${args.repo}@v${args.version} in ${args.out}: ${actions.length} actions, ${workflows.length} workflows`,
    );
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
