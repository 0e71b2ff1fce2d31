import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { exec } from '../../../shared/exec.js';
import { info } from '../../../shared/log.js';
import type { EventPayload } from './keys.js';

export interface WorkspacePackage {
  name: string;
  /** Relative to the monorepo root, POSIX separators. */
  path: string;
  dependencies: string[];
}

/** Expands pnpm-workspace.yaml patterns (`apps/*`, `packages/**`, literal dirs, `!` exclusions). */
export function workspacePackages(root: string): WorkspacePackage[] {
  const file = join(root, 'pnpm-workspace.yaml');
  const patterns: string[] = existsSync(file)
    ? ((parseYaml(readFileSync(file, 'utf8')) as { packages?: string[] } | null)?.packages ?? [])
    : [];
  const include = patterns.filter((p) => !p.startsWith('!')).map((p) => p.replace(/\/$/, ''));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => globRegExp(p.slice(1).replace(/\/$/, '')));
  const dirs = new Set<string>();
  const walk = (dir: string, depth: number, pattern: RegExp) => {
    if (depth > 6) return;
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (pattern.test(rel) && existsSync(join(root, rel, 'package.json'))) dirs.add(rel);
      walk(rel, depth + 1, pattern);
    }
  };
  for (const pattern of include) {
    const fixed = pattern.split('/').findIndex((part) => /[*?{[]/.test(part));
    if (fixed === -1) {
      if (existsSync(join(root, pattern, 'package.json'))) dirs.add(pattern);
      continue;
    }
    const start = pattern.split('/').slice(0, fixed).join('/');
    if (existsSync(join(root, start || '.'))) walk(start, 0, globRegExp(pattern));
  }
  const packages: WorkspacePackage[] = [];
  for (const dir of [...dirs].sort()) {
    if (exclude.some((re) => re.test(dir))) continue;
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    const deps = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'].flatMap((k) =>
      Object.keys((pkg[k] as object | undefined) ?? {}),
    );
    packages.push({ name: typeof pkg.name === 'string' ? pkg.name : dir, path: dir, dependencies: deps });
  }
  return packages;
}

function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * The packages a change touches: those containing a changed file, then everything that depends on
 * them (transitively, through workspace dependencies). A change to a global file (lockfile, root
 * manifest, turbo.json) affects every package.
 */
export function affectedPackages(
  packages: WorkspacePackage[],
  changedFiles: string[],
  globalFiles: string[],
): WorkspacePackage[] {
  const global = globalFiles.map((g) => globRegExp(g));
  if (changedFiles.some((f) => global.some((re) => re.test(f)))) {
    return [...packages].sort((a, b) => a.name.localeCompare(b.name));
  }
  const byPath = [...packages].sort((a, b) => b.path.length - a.path.length);
  const affected = new Set<string>();
  for (const file of changedFiles) {
    const owner = byPath.find((p) => file === p.path || file.startsWith(`${p.path}/`));
    if (owner) affected.add(owner.name);
  }
  let grew = true;
  while (grew) {
    grew = false;
    for (const pkg of packages) {
      if (!affected.has(pkg.name) && pkg.dependencies.some((d) => affected.has(d))) {
        affected.add(pkg.name);
        grew = true;
      }
    }
  }
  return packages.filter((p) => affected.has(p.name)).sort((a, b) => a.name.localeCompare(b.name));
}

export type BaseKind = 'input' | 'pull-request' | 'push' | 'default-branch';

/** The comparison base for the event: the PR's base, the push's `before`, else the default branch. */
export function resolveBase(
  eventName: string | undefined,
  payload: EventPayload,
  input?: string,
  defaultBranch?: string,
): { base: string; kind: BaseKind; mergeBase: boolean } {
  if (input) return { base: input, kind: 'input', mergeBase: false };
  if (eventName?.startsWith('pull_request') || eventName === 'merge_group') {
    const sha = payload.pull_request?.base?.sha ?? payload.merge_group?.base_sha;
    if (sha) return { base: sha, kind: 'pull-request', mergeBase: eventName !== 'merge_group' };
  }
  if (eventName === 'push' && payload.before && !/^0+$/.test(payload.before) && !payload.created) {
    return { base: payload.before, kind: 'push', mergeBase: false };
  }
  const branch = defaultBranch ?? payload.repository?.default_branch ?? 'main';
  return { base: `origin/${branch}`, kind: 'default-branch', mergeBase: true };
}

const git = (cwd: string, args: string[]) => exec('git', args, { cwd, stream: false, allowFailure: true });
const ok = async (cwd: string, args: string[]) => (await git(cwd, args)).exitCode === 0;

/**
 * Makes sure the base commit (and, for a pull request, the merge base with HEAD) is present,
 * fetching it into a shallow clone and deepening step by step. Resolves with the commit to diff from.
 */
export async function ensureBase(cwd: string, base: string, mergeBase: boolean, depth: number): Promise<string> {
  const has = (rev: string) => ok(cwd, ['cat-file', '-e', `${rev}^{commit}`]);
  const head = (await git(cwd, ['rev-parse', 'HEAD'])).stdout.trim();
  const ref = base.startsWith('origin/') ? base.slice('origin/'.length) : undefined;
  const fetchArgs = ref ? [`+refs/heads/${ref}:refs/remotes/origin/${ref}`] : [base];
  if (!(await has(base))) {
    info(`fetching the base ${base} (depth ${depth})`);
    await git(cwd, ['fetch', '--no-tags', `--depth=${depth}`, 'origin', ...fetchArgs]);
    if (!(await has(base))) throw new Error(`the base ${base} could not be fetched from origin`);
  }
  const baseSha = (await git(cwd, ['rev-parse', `${base}^{commit}`])).stdout.trim();
  if (!mergeBase) return baseSha;
  for (let attempt = 0; attempt < 10; attempt++) {
    const found = await git(cwd, ['merge-base', baseSha, head]);
    if (found.exitCode === 0) return found.stdout.trim();
    if ((await git(cwd, ['rev-parse', '--is-shallow-repository'])).stdout.trim() !== 'true') break;
    info(`no merge base of ${baseSha.slice(0, 12)} and HEAD yet: deepening the clone by ${depth}`);
    await git(cwd, ['fetch', '--no-tags', `--deepen=${depth}`, 'origin', baseSha, head]);
  }
  throw new Error(`no common history between ${base} and HEAD, even after deepening the clone`);
}

export async function changedFiles(cwd: string, from: string): Promise<string[]> {
  const diff = await exec('git', ['diff', '--name-only', '--no-renames', from, 'HEAD'], { cwd, stream: false });
  const prefix = (await exec('git', ['rev-parse', '--show-prefix'], { cwd, stream: false })).stdout.trim();
  return diff.stdout
    .split('\n')
    .filter(Boolean)
    .filter((f) => f.startsWith(prefix))
    .map((f) => posix.normalize(f.slice(prefix.length)));
}
