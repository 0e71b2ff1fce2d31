/**
 * The runner's shared vocabulary: options, the records a run produces, and `RunContext`, the view of
 * the run that the job graph, the matrix fan-out, job instances and steps work against (so none of
 * them imports the run itself: no import cycles).
 */
import type { ChildProcess } from 'node:child_process';
import type { NodeAction, ResolvedAction } from './actions.js';
import type { Contexts, EvalOptions, Json } from './expressions.js';
import type { Masker } from './masker.js';
import type { JobIdentity } from './oidc.js';
import type { Permissions } from './permissions.js';
import type { Annotation } from './step-protocol.mjs';
import type { JobDef, StepDef, WorkflowDef } from './workflow.js';

export type Result = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface RunOptions {
  /** The workflow file to run. */
  workflow: string;
  /** The deploy-actions repository (suite actions, reusable workflows). Default: this repository. */
  repoRoot?: string;
  /** The repository the run is for (a git checkout at `sha`): each job's checkout clones it. Default: repoRoot. */
  workspace?: string;
  event?: string;
  /** The event payload (GITHUB_EVENT_PATH); a push payload is made when absent. */
  payload?: Record<string, Json>;
  ref?: string;
  sha?: string;
  repository?: string;
  actor?: string;
  /** Inputs of a workflow_dispatch or workflow_call run. */
  inputs?: Record<string, Json>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Extra environment for every step (e.g. emulator endpoints). */
  env?: Record<string, string>;
  /** Where job temp dirs, logs and the report go. Default .local/runner/runs/<run id>. */
  runDir?: string;
  /** Jobs running at once (default 2). */
  maxParallel?: number;
  /** configure-aws-credentials replacement: the AWS emulator. */
  aws?: { endpoint: string; region?: string };
  /**
   * The GitHub API. With `apiUrl` (the GitHub emulator) each job gets its own GITHUB_TOKEN minted
   * for its permissions (`POST /_emulator/tokens`); `token` is then only the fallback without one.
   */
  github?: { serverUrl?: string; apiUrl?: string; token?: string };
  /** The repository's default GITHUB_TOKEN permissions when a workflow has no `permissions:` (default restricted). */
  defaultPermissions?: 'restricted' | 'permissive';
  /** The OIDC issuer's signing key (made on first use; default .local/runner/oidc-key.pem of the runner's repository, shared by its runs). */
  oidcKeyFile?: string;
  /** Deployment environments: their secrets and variables reach only jobs with `environment:` set to them. */
  environments?: Record<string, { secrets?: Record<string, string>; vars?: Record<string, string> }>;
  /** The suite's actions (`<name>/action.yml` + `dist/`), e.g. a snapshot of the bundles. Default repoRoot/actions. */
  actionsDir?: string;
  /** Repository names whose `owner/<name>/x@ref` means this repository (default deploy-actions). */
  suiteRepos?: string[];
  /** Node for node actions (default: the pinned Node 24). */
  node?: string;
  /** The runner image's preinstalled tools: each job's fresh RUNNER_TOOL_CACHE starts with them (linked). */
  toolCache?: string;
  /** Hosted-runner limits, overridable so tests need not wait 6 hours (see limits.ts). */
  limits?: Partial<Limits>;
  /** Where the live log goes (default stdout). */
  print?: (line: string) => void;
  /** Print step output (default true); the job logs always have it. */
  verbose?: boolean;
  signal?: AbortSignal;
}

export interface Limits {
  /** A job on a GitHub-hosted runner stops after 6 hours, whatever `timeout-minutes` says. */
  jobMinutes: number;
  /** All outputs of one job together (bytes, UTF-16 approximated as GitHub counts them). */
  jobOutputBytes: number;
  /** One step's GITHUB_STEP_SUMMARY. */
  summaryBytes: number;
}

export interface StepRecord {
  name: string;
  kind: 'run' | 'action' | 'post' | 'replacement';
  uses?: string;
  outcome: Result;
  conclusion: Result;
  durationMs: number;
  exitCode?: number | null;
  error?: string;
}

export interface JobRecord {
  /** `pipeline / deploy-staging / migrate (backend)`: the path through reusable workflows. */
  key: string;
  id: string;
  name: string;
  workflow: string;
  result: Result;
  startedAt?: number;
  durationMs: number;
  steps: StepRecord[];
  outputs: Record<string, string>;
  summaries: string[];
  annotations: Annotation[];
  notes: string[];
  logFile?: string;
}

export interface RunResult {
  runId: string;
  conclusion: Result;
  durationMs: number;
  outputs: Record<string, string>;
  jobs: JobRecord[];
  runDir: string;
  reportPath: string;
  jsonPath: string;
  error?: string;
}

export interface JobOutcome {
  result: Result;
  outputs: Record<string, string>;
}

/** One workflow being run: the top one, or a called one under its caller's key prefix. */
export interface Scope {
  workflow: WorkflowDef;
  prefix: string;
  inputs: Record<string, Json>;
  secrets: Record<string, string>;
  /** What this workflow's jobs may ask for: the repository default, or the calling job's grant. */
  permissions: Permissions;
  depth: number;
}

/** What one step process reported. */
export interface StepRun {
  exitCode: number | null;
  outputs: Record<string, string>;
  env: Record<string, string>;
  path: string[];
  state: Record<string, string>;
  summary: string;
  error?: string;
}

export const failedStep = (error: string): StepRun => ({
  exitCode: null,
  outputs: {},
  env: {},
  path: [],
  state: {},
  summary: '',
  error,
});

/** The run as its parts see it. */
export interface RunContext {
  readonly options: RunOptions;
  readonly repoRoot: string;
  /** The repository the run is for (what a job's checkout clones). */
  readonly source: string;
  readonly runDir: string;
  readonly node: string;
  readonly limits: Limits;
  readonly masker: Masker;
  readonly github: Record<string, Json>;
  readonly eventPath: string;
  readonly jobs: JobRecord[];
  readonly running: Set<ChildProcess>;
  readonly called: Map<string, WorkflowDef>;
  readonly actionsByStep: Map<StepDef, ResolvedAction>;
  readonly cancelled: boolean;
  log(line: string): void;
  print(line: string): void;
  /** Waits for a free job slot (max-parallel of the run); resolves with its release. */
  slot(): Promise<() => void>;
  /** Cancels the whole run (Ctrl-C, the abort signal, a newer run's cancel-in-progress). */
  cancel(): void;
  /** An OIDC ID token for a job (the runner is the issuer; its key is registered with the AWS emulator). */
  idToken(identity: JobIdentity, audience: string): Promise<string>;
  /** Runs every job of a workflow (a called workflow runs through here too). */
  runScope(scope: Scope): Promise<JobOutcome>;
}

export const ICON: Record<Result, string> = { success: '✓', failure: '✗', cancelled: '⊘', skipped: '-' };
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

export function jobRecord(scope: Scope, id: string, label: string, result: Result, notes: string[] = []): JobRecord {
  return {
    key: `${scope.prefix}${label}`,
    id,
    name: label,
    workflow: scope.workflow.display,
    result,
    durationMs: 0,
    steps: [],
    outputs: {},
    summaries: [],
    annotations: [],
    notes,
  };
}

/** A workflow's (or a matrix job's) result from its parts: any failure, else any cancel, else success. */
export function worst(results: Result[]): Result {
  if (results.includes('failure')) return 'failure';
  if (results.includes('cancelled')) return 'cancelled';
  return 'success';
}

/** A post step waiting for the end of its job. */
export interface Post {
  action: NodeAction;
  name: string;
  step: StepDef;
  state: Record<string, string>;
  env: Record<string, string>;
}

/** One job instance as its steps see it (implemented by JobRun). */
export interface StepHost {
  readonly run: RunContext;
  readonly job: JobDef;
  readonly record: JobRecord;
  /** RUNNER_TEMP, where the step scripts and file-command files go. */
  readonly temp: string;
  /** GITHUB_WORKSPACE of this job. */
  readonly workspace: string;
  /** RUNNER_TOOL_CACHE of this job. */
  readonly toolCache: string;
  /** The job's environment so far (workflow, job, GITHUB_ENV of earlier steps). */
  readonly env: Record<string, string>;
  /** GITHUB_PATH entries of earlier steps, newest first. */
  readonly path: string[];
  readonly posts: Post[];
  /** This job's step processes (also in the run's `running`), stopped when only the job is cancelled. */
  readonly children: Set<ChildProcess>;
  /** The run or this job was cancelled. */
  readonly cancelled: boolean;
  readonly shell?: string;
  readonly workingDirectory?: string;
  /** When the job's time is up (timeout-minutes, at most the hosted job limit), and that time in minutes. */
  readonly deadline: number;
  readonly jobMinutes: number;
  /** The job's effective GITHUB_TOKEN permissions and its deployment environment. */
  readonly permissions: Permissions;
  readonly environment?: string;
  /** An OIDC token for this job (the caller checks `id-token: write`). */
  idToken(audience: string): Promise<string>;
  line(text: string, echo?: boolean): void;
  ctx(extra?: Partial<Contexts>): Contexts;
  evalOptions(): EvalOptions;
}
