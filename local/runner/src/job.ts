/**
 * One job instance (one matrix leg) on its runner: its environment and defaults, its steps in order
 * with `if:`, `continue-on-error` and the job status, its post steps in reverse, its outputs.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../../shared/errors.js';
import { type Contexts, type EvalOptions, evaluateCondition, type Json, toText, truthy } from './expressions.js';
import { discardMachine, freshMachine, type Machine } from './machine.js';
import { jobPermissions, mintJobToken, type Permissions } from './permissions.js';
import { stopStep } from './step-process.js';
import { runPostBody, runStepBody, stepName } from './steps.js';
import {
  failedStep,
  ICON,
  type JobOutcome,
  type JobRecord,
  jobRecord,
  type Post,
  type Result,
  type RunContext,
  type Scope,
  type StepHost,
  type StepRecord,
  type StepRun,
  seconds,
} from './types.js';
import { at, evalToken, type JobDef, type StepDef, WorkflowError } from './workflow.js';

export class JobRun implements StepHost {
  readonly key: string;
  readonly dir: string;
  readonly machine: Machine;
  readonly temp: string;
  readonly workspace: string;
  readonly toolCache: string;
  readonly logFile: string;
  readonly record: JobRecord;
  readonly env: Record<string, string> = {};
  readonly path: string[] = [];
  readonly steps: NonNullable<Contexts['steps']> = {};
  readonly posts: Post[] = [];
  readonly children = new Set<ChildProcess>();
  private jobCancelled = false;
  status: 'success' | 'failure' | 'cancelled' = 'success';
  shell?: string;
  workingDirectory?: string;
  deadline = Number.POSITIVE_INFINITY;
  jobMinutes = Number.POSITIVE_INFINITY;
  readonly permissions: Permissions;
  environment?: string;

  constructor(
    readonly run: RunContext,
    readonly scope: Scope,
    readonly job: JobDef,
    readonly label: string,
    public contexts: Contexts,
  ) {
    this.permissions = jobPermissions(scope.workflow, job, scope.permissions);
    this.key = `${scope.prefix}${label}`;
    const safe = this.key.replace(/[^\w.-]+/g, '_').slice(0, 100);
    this.dir = join(run.runDir, 'jobs', `${safe}-${randomUUID().slice(0, 6)}`);
    this.machine = freshMachine(this.dir, run.options.toolCache);
    this.temp = this.machine.temp;
    this.workspace = this.machine.workspace;
    this.toolCache = this.machine.toolCache;
    this.logFile = join(this.dir, 'log.txt');
    this.record = jobRecord(scope, job.id, label, 'success');
    this.record.logFile = this.logFile;
  }

  get cancelled(): boolean {
    return this.run.cancelled || this.jobCancelled;
  }

  /** Cancels this job only (a newer member of its concurrency group with cancel-in-progress). */
  cancel(): void {
    if (this.jobCancelled) return;
    this.jobCancelled = true;
    this.line('⊘ job cancelled: stopping its running step');
    for (const child of this.children) stopStep(child);
  }

  line(text: string, echo = true): void {
    const masked = this.run.masker.mask(text);
    appendFileSync(this.logFile, `${masked}\n`);
    if (echo) this.run.print(`[${this.key}] ${masked}`);
  }

  ctx(extra: Partial<Contexts> = {}): Contexts {
    return {
      ...this.contexts,
      github: { ...(this.contexts.github as Record<string, Json>), workspace: this.workspace },
      env: { ...this.env },
      steps: this.steps,
      job: { status: this.status },
      runner: {
        os: 'Linux',
        arch: 'X64',
        name: 'local',
        temp: this.temp,
        tool_cache: this.toolCache,
        debug: process.env.RUNNER_DEBUG === '1' ? '1' : '',
      },
      ...extra,
    };
  }

  evalOptions(): EvalOptions {
    return {
      workspace: this.workspace,
      status: {
        success: () => this.status === 'success' && !this.cancelled,
        failure: () => this.status === 'failure',
        cancelled: () => this.cancelled,
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
      await this.prepareIdentity();
      this.prepareEnvironment();
      this.describe();
      this.jobMinutes = this.timeLimit();
      this.deadline = started + this.jobMinutes * 60_000;
      for (const step of job.steps) await this.runStep(step);
      for (const post of this.posts.reverse()) await this.runPost(post);
    } catch (e) {
      const message = errorMessage(e);
      this.line(`✗ ${message}`);
      this.record.notes.push(message);
      this.status = 'failure';
    }
    const outputs = this.outputs();
    discardMachine(this.machine);
    const result: Result = this.cancelled && this.status !== 'failure' ? 'cancelled' : this.status;
    Object.assign(this.record, { result, durationMs: Date.now() - started, outputs });
    run.jobs.push(this.record);
    run.log(`${ICON[result]} job ${this.key} ${result} (${seconds(this.record.durationMs)})`);
    return { result, outputs };
  }

  /**
   * `timeout-minutes` (default 360), capped by the hosted runner's job limit: a larger value does not
   * buy more time (GitHub docs, "jobs.<job_id>.timeout-minutes").
   */
  private timeLimit(): number {
    const { limits } = this.run;
    if (!this.job.timeoutMinutes) return Math.min(360, limits.jobMinutes);
    const given = evalToken(this.job.timeoutMinutes, this.ctx());
    const minutes = Number(given);
    if (!Number.isFinite(minutes) || minutes <= 0)
      throw new WorkflowError(
        `${at(this.job.where)}: timeout-minutes: ${JSON.stringify(given)} is not valid; expected a positive number of minutes`,
      );
    if (minutes > limits.jobMinutes)
      this.line(
        `timeout-minutes ${minutes} is above the hosted job limit; the job stops after ${limits.jobMinutes} minutes`,
      );
    return Math.min(minutes, limits.jobMinutes);
  }

  /** A step summary over the limit is not kept, with GitHub's error annotation; the step's outcome stands. */
  private addSummary(summary: string): void {
    if (!summary.trim()) return;
    const bytes = Buffer.byteLength(summary);
    if (bytes > this.run.limits.summaryBytes) {
      const k = (n: number) => `${Math.ceil(n / 1024)}k`;
      const message = `$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of ${k(this.run.limits.summaryBytes)}, got ${k(bytes)}.`;
      this.record.annotations.push({ level: 'error', message });
      this.line(`Error: ${message}`);
      return;
    }
    this.record.summaries.push(summary);
  }

  /**
   * What the job is on GitHub's side: its deployment environment (whose secrets and variables only
   * its jobs see, over the repository's: GitHub docs, "Using environments for deployment") and its own
   * GITHUB_TOKEN, minted for its effective permissions when the run has the GitHub emulator.
   */
  private async prepareIdentity(): Promise<void> {
    const { options, masker } = this.run;
    if (this.job.environment) {
      const value = evalToken(this.job.environment, this.ctx()) as Json;
      const name = typeof value === 'object' && value && !Array.isArray(value) ? value.name : value;
      if (typeof name !== 'string' || !name)
        throw new WorkflowError(
          `${at(this.job.where)}: environment: ${JSON.stringify(value)} is not valid; expected a name or { name, url }`,
        );
      this.environment = name;
    }
    const env = this.environment ? options.environments?.[this.environment] : undefined;
    for (const secret of Object.values(env?.secrets ?? {})) masker.add(secret);
    const github = this.contexts.github as Record<string, Json>;
    let token = String(github.token ?? '');
    if (options.github?.apiUrl) {
      token = await mintJobToken(options.github.apiUrl, String(github.repository), this.permissions);
      masker.add(token);
    }
    this.contexts = {
      ...this.contexts,
      github: { ...github, token },
      secrets: { ...(this.contexts.secrets as Record<string, string>), ...env?.secrets, GITHUB_TOKEN: token },
      vars: { ...(this.contexts.vars as Record<string, string>), ...env?.vars },
    };
  }

  /** An OIDC token for this job (configure-aws-credentials checks `id-token: write` first). */
  idToken(audience: string): Promise<string> {
    const github = this.contexts.github as Record<string, Json>;
    const ref =
      String(github.workflow_ref ?? '') ||
      `${String(github.repository)}/${this.scope.workflow.display}@${String(github.ref)}`;
    return this.run.idToken({ github, environment: this.environment, jobWorkflowRef: ref }, audience);
  }

  /** Workflow env, then job env (each may read the ones before it); `defaults.run`. */
  private prepareEnvironment(): void {
    for (const token of [this.scope.workflow.env, this.job.env]) {
      const value = evalToken(token, this.ctx()) as Record<string, Json> | null;
      for (const [k, v] of Object.entries(value ?? {})) this.env[k] = toText(v);
    }
    for (const defaults of [this.scope.workflow.defaults, this.job.defaults]) {
      const value = evalToken(defaults, this.ctx()) as {
        run?: { shell?: string; 'working-directory'?: string };
      } | null;
      if (value?.run?.shell) this.shell = value.run.shell;
      if (value?.run?.['working-directory']) this.workingDirectory = value.run['working-directory'];
    }
  }

  /** `jobs.<id>.outputs`, evaluated at the end of the job; one holding a masked value is dropped. */
  private outputs(): Record<string, string> {
    const outputs: Record<string, string> = {};
    for (const pair of this.job.outputs ?? []) {
      const name = String(evalToken(pair.key, this.ctx()));
      try {
        const value = toText(evalToken(pair.value, this.ctx(), this.evalOptions()));
        if (this.run.masker.mask(value) !== value) {
          this.line(`Warning: skip output '${name}' since it may contain secret.`);
          continue;
        }
        outputs[name] = value;
      } catch (e) {
        this.line(`✗ output ${name}: ${errorMessage(e)}`);
        this.status = 'failure';
      }
    }
    // GitHub counts a job's outputs together, approximated as UTF-16 (2 bytes per code unit); over the
    // limit the job's outputs cannot be set and the job fails.
    const size = Object.entries(outputs).reduce((sum, [k, v]) => sum + 2 * (k.length + v.length), 0);
    if (size > this.run.limits.jobOutputBytes) {
      const limit = this.run.limits.jobOutputBytes.toLocaleString('en-US');
      this.line(`Error: Job outputs exceed ${limit} bytes (${size.toLocaleString('en-US')} as UTF-16)`);
      this.record.notes.push(`job outputs exceed ${limit} bytes`);
      this.status = 'failure';
      return {};
    }
    return outputs;
  }

  /** environment / concurrency / permissions, as the job log shows them. */
  private describe(): void {
    const show = (what: string, token: JobDef['environment']) => {
      if (!token) return;
      try {
        const value = evalToken(token, this.ctx());
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        this.record.notes.push(`${what}: ${text}`);
        this.line(`${what}: ${text}`);
      } catch (e) {
        this.line(`${what}: cannot evaluate: ${errorMessage(e)}`);
      }
    };
    show('environment', this.job.environment);
    show('concurrency', this.job.concurrency);
    const granted = Object.entries(this.permissions).filter(([, level]) => level !== 'none');
    const text = granted.map(([scope, level]) => `${scope}: ${level}`).join(', ') || 'none';
    this.record.notes.push(`GITHUB_TOKEN permissions: ${text}`);
    this.line(`GITHUB_TOKEN permissions: ${text} (metadata: read)`);
  }

  private async runStep(step: StepDef): Promise<void> {
    const name = stepName(this, step);
    const started = Date.now();
    const resolved = this.run.actionsByStep.get(step);
    const kind: StepRecord['kind'] = step.run ? 'run' : resolved?.kind === 'node' ? 'action' : 'replacement';
    const entry: StepRecord = { name, kind, uses: step.uses, outcome: 'skipped', conclusion: 'skipped', durationMs: 0 };
    this.record.steps.push(entry);
    let go: boolean;
    try {
      go = evaluateCondition(step.if, this.ctx(), this.evalOptions());
    } catch (e) {
      throw new WorkflowError(`${at(step.where)}: if: ${errorMessage(e)}`);
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
      outcome = await runStepBody(this, step, env);
    } catch (e) {
      outcome = failedStep(`${at(step.where)}: ${errorMessage(e)}`);
    }
    if (outcome.error) this.line(`Error: ${outcome.error}`);
    for (const [k, v] of Object.entries(outcome.env)) this.env[k] = v;
    this.path.unshift(...outcome.path.reverse());
    this.addSummary(outcome.summary);
    const ok = outcome.exitCode === 0 && !outcome.error;
    const result: Result = ok ? 'success' : this.cancelled ? 'cancelled' : 'failure';
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
    const result = await runPostBody(this, post);
    this.addSummary(result.summary);
    entry.outcome = entry.conclusion = result.exitCode === 0 ? 'success' : 'failure';
    entry.exitCode = result.exitCode;
    entry.durationMs = Date.now() - started;
    if (entry.outcome === 'failure') this.status = 'failure';
    this.line(`${ICON[entry.outcome]} ${name} ${entry.outcome} (${seconds(entry.durationMs)})`);
  }
}
