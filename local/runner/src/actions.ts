/**
 * What a `uses:` means on this machine. The suite's own actions and reusable workflows map to this
 * repository (their bundles must be built); local node actions (`./path` with action.yml) run as
 * they are; a short list of third-party actions is replaced by local equivalents. Anything else is
 * an error with the workflow file and line, before the run starts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { at, type Where, WorkflowError } from './workflow.js';

export interface NodeAction {
  kind: 'node';
  /** For messages: `org/deploy-actions/deploy-ecs@v1 -> actions/deploy-ecs`. */
  label: string;
  dir: string;
  main: string;
  post?: string;
  postIf?: string;
  inputs: Record<string, { default?: string; required?: boolean }>;
}
export interface Replacement {
  kind: 'checkout' | 'configure-aws-credentials';
  label: string;
}
export type ResolvedAction = NodeAction | Replacement;

/** The third-party actions the local runner replaces (documented in local/runner/README.md). */
export const REPLACEMENTS: Record<string, Replacement['kind']> = {
  'actions/checkout': 'checkout',
  'aws-actions/configure-aws-credentials': 'configure-aws-credentials',
};

export interface Resolver {
  /** The deploy-actions repository (suite actions and reusable workflows). */
  repoRoot: string;
  /** Where the suite's actions are (`<name>/action.yml` + `dist/`); default repoRoot/actions. */
  actionsDir: string;
  /** The checkout (GITHUB_WORKSPACE): `./` references resolve here first. */
  workspace: string;
  /** Repository names whose `owner/<name>/...@ref` references mean this repository. */
  suiteRepos: string[];
}

const SUPPORTED = (r: Resolver) =>
  `supported: ./<path> (node actions in the job's checkout), <owner>/${r.suiteRepos[0]}/<action>@<ref>, ${Object.keys(
    REPLACEMENTS,
  )
    .map((k) => `${k}@<ref>`)
    .join(', ')}`;

export function resolveAction(uses: string, where: Where, r: Resolver): ResolvedAction {
  if (uses.startsWith('docker://'))
    throw new WorkflowError(`${at(where)}: uses: ${uses}: docker actions are not supported (${SUPPORTED(r)})`);
  // `./` is the job's workspace (a called workflow's too: the caller's checkout); checked here in the
  // run's repository, read again from the job's checkout when the step runs (localActionAt).
  if (uses.startsWith('./')) return readNodeAction(join(r.workspace, uses), uses, where);
  const [path, ref] = uses.split('@');
  if (!ref) throw new WorkflowError(`${at(where)}: uses: ${uses}: a remote action needs @<ref>`);
  const parts = path!.split('/');
  const replacement = REPLACEMENTS[`${parts[0]}/${parts[1]}`.toLowerCase()];
  if (replacement && parts.length === 2) return { kind: replacement, label: `${uses} (local replacement)` };
  if (parts.length >= 3 && r.suiteRepos.includes(parts[1]!)) {
    const name = parts.slice(2).join('/');
    return readNodeAction(join(r.actionsDir, name), `${uses} -> actions/${name}`, where);
  }
  throw new WorkflowError(`${at(where)}: uses: ${uses} is not available to the local runner (${SUPPORTED(r)})`);
}

/** A `./` action when its step runs: read from the job's workspace (what its checkout put there), as on GitHub. */
export function localActionAt(uses: string, where: Where, workspace: string): NodeAction {
  const dir = join(workspace, uses);
  if (existsSync(dir)) return readNodeAction(dir, uses, where);
  // GitHub's runner's words.
  throw new WorkflowError(
    `Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '${dir}'. Did you forget to run actions/checkout before running your local action?`,
  );
}

function readNodeAction(dir: string, label: string, where: Where): NodeAction {
  const file = ['action.yml', 'action.yaml'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) throw new WorkflowError(`${at(where)}: uses: ${label}: no action.yml in ${dir}`);
  const action = parseYaml(readFileSync(file, 'utf8')) as {
    inputs?: Record<string, { default?: unknown; required?: boolean }>;
    runs?: { using?: string; main?: string; post?: string; 'post-if'?: string };
  };
  const using = action.runs?.using ?? '';
  if (!/^node\d+$/.test(using) || !action.runs?.main) {
    throw new WorkflowError(
      `${at(where)}: uses: ${label}: runs.using ${using || '(none)'} is not supported (node actions only)`,
    );
  }
  const main = join(dir, action.runs.main);
  if (!existsSync(main)) {
    throw new WorkflowError(
      `${at(where)}: uses: ${label}: ${main} is missing (build it: node scripts/build.mjs <name>)`,
    );
  }
  const inputs: NodeAction['inputs'] = {};
  for (const [name, input] of Object.entries(action.inputs ?? {})) {
    inputs[name] = {
      default: input?.default === undefined || input?.default === null ? undefined : String(input.default),
      required: input?.required === true,
    };
  }
  return {
    kind: 'node',
    label,
    dir,
    main,
    post: action.runs.post ? join(dir, action.runs.post) : undefined,
    postIf: action.runs['post-if'],
    inputs,
  };
}

/** A reusable workflow reference (`jobs.<id>.uses`) -> the workflow file. */
export function resolveWorkflow(uses: string, where: Where, r: Resolver): string {
  if (uses.startsWith('./')) {
    const local = [join(r.workspace, uses), join(r.repoRoot, uses)].find((f) => existsSync(f));
    if (!local)
      throw new WorkflowError(`${at(where)}: uses: ${uses}: no such workflow in ${r.workspace} or ${r.repoRoot}`);
    return local;
  }
  const match = /^([^/]+)\/([^/]+)\/(\.github\/workflows\/[^@]+)@(.+)$/.exec(uses);
  if (match && r.suiteRepos.includes(match[2]!)) {
    const file = join(r.repoRoot, match[3]!);
    if (!existsSync(file)) throw new WorkflowError(`${at(where)}: uses: ${uses}: ${file} does not exist`);
    return file;
  }
  throw new WorkflowError(
    `${at(where)}: uses: ${uses} is not available to the local runner (reusable workflows: ./.github/workflows/<file> or <owner>/${r.suiteRepos[0]}/.github/workflows/<file>@<ref>)`,
  );
}
