/**
 * The local workflow runner: runs a workflow file (and the reusable workflows it calls) on this
 * machine, as the GitHub runner would. This module is the run itself: options, the run directory and
 * event file, masking, job slots, cancellation, and the report at the end. The parts: calls.ts
 * (resolution before the run, called-workflow inputs), graph.ts (jobs in `needs` order), fan-out.ts
 * (matrix legs), job.ts (a job instance), steps.ts and step-process.ts (steps), stand-ins.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../../../shared/errors.js';
import type { ResolvedAction, Resolver } from './actions.js';
import { callInputs, prepare } from './calls.js';
import { dispatchInputs } from './dispatch.js';
import type { Json } from './expressions.js';
import { githubContext } from './github-context.js';
import { runScope } from './graph.js';
import { Masker } from './masker.js';
import { type Issuer, idToken, issuerFile, type JobIdentity, loadIssuer, registerIssuer } from './oidc.js';
import { checkNestedPermissions, DEFAULT_PERMISSIONS } from './permissions.js';
import { writeReport } from './report.js';
import { stopStep } from './step-process.js';
import { NODE24 } from './step-protocol.mjs';
import {
  ICON,
  type JobOutcome,
  type JobRecord,
  type Limits,
  type Result,
  type RunContext,
  type RunOptions,
  type RunResult,
  type Scope,
  seconds,
} from './types.js';
import { loadWorkflow, type StepDef, type WorkflowDef } from './workflow.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * GitHub-hosted runner limits that change outcomes (GitHub docs, "Usage limits": each job runs for up
 * to 6 hours; "Defining outputs for jobs": at most 1 MB per job, approximated as UTF-16; "Adding a job
 * summary": a step summary up to 1 MiB).
 */
export const HOSTED_LIMITS: Limits = {
  jobMinutes: 360,
  jobOutputBytes: 1024 * 1024,
  summaryBytes: 1024 * 1024,
};

export function runWorkflow(options: RunOptions): Promise<RunResult> {
  return new Run(options).start();
}

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

class Run implements RunContext {
  readonly runId = String(Date.now()).slice(-9);
  readonly repoRoot: string;
  readonly source: string;
  readonly runDir: string;
  readonly node: string;
  readonly limits: Limits;
  readonly masker = new Masker();
  readonly jobs: JobRecord[] = [];
  readonly running = new Set<ChildProcess>();
  readonly called = new Map<string, WorkflowDef>();
  readonly actionsByStep = new Map<StepDef, ResolvedAction>();
  readonly github: Record<string, Json>;
  readonly eventPath: string;
  private readonly slots: Semaphore;
  private readonly resolver: Resolver;
  private issuer?: Promise<Issuer>;
  cancelled = false;

  constructor(readonly options: RunOptions) {
    this.repoRoot = resolve(options.repoRoot ?? ROOT);
    this.source = resolve(options.workspace ?? this.repoRoot);
    this.runDir = resolve(options.runDir ?? join(this.repoRoot, '.local/runner/runs', this.runId));
    mkdirSync(this.runDir, { recursive: true });
    this.slots = new Semaphore(options.maxParallel ?? 2);
    this.resolver = {
      repoRoot: this.repoRoot,
      actionsDir: resolve(options.actionsDir ?? join(this.repoRoot, 'actions')),
      workspace: this.source,
      suiteRepos: options.suiteRepos ?? ['deploy-actions'],
    };
    this.node = options.node ?? NODE24;
    this.limits = { ...HOSTED_LIMITS, ...options.limits };
    for (const value of Object.values(options.secrets ?? {})) this.masker.add(value);
    if (options.github?.token) this.masker.add(options.github.token);
    this.eventPath = join(this.runDir, 'event.json');
    this.github = githubContext(options, this.source, this.runId, this.eventPath);
    options.signal?.addEventListener('abort', () => this.cancel());
  }

  print(line: string): void {
    if (this.options.print) this.options.print(line);
    else process.stdout.write(`${line}\n`);
  }

  log(line: string): void {
    this.print(this.masker.mask(line));
  }

  slot(): Promise<() => void> {
    return this.slots.acquire();
  }

  async idToken(identity: JobIdentity, audience: string): Promise<string> {
    this.issuer ??= (async () => {
      const issuer = loadIssuer(this.options.oidcKeyFile ?? issuerFile(ROOT));
      if (this.options.aws) await registerIssuer(this.options.aws.endpoint, issuer);
      return issuer;
    })();
    const token = idToken(await this.issuer, identity, audience);
    this.masker.add(token);
    return token;
  }

  runScope(scope: Scope): Promise<JobOutcome> {
    return runScope(this, scope);
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.log('⊘ run cancelled: stopping running steps');
    for (const child of this.running) stopStep(child);
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
      await prepare(workflow, this.resolver, (path) => this.load(path), this);
      const inputs = this.inputs(workflow);
      const permissions = DEFAULT_PERMISSIONS[this.options.defaultPermissions ?? 'restricted'];
      checkNestedPermissions(workflow, permissions, this.called);
      writeFileSync(this.eventPath, JSON.stringify(this.github.event, null, 2));
      this.log(
        `▶ workflow ${workflow.display} (${workflow.name}) on ${this.github.event_name} ${this.github.ref} ${String(this.github.sha).slice(0, 12)}`,
      );
      const outcome = await this.runScope({
        workflow,
        prefix: '',
        inputs,
        secrets: { GITHUB_TOKEN: this.options.github?.token ?? '', ...(this.options.secrets ?? {}) },
        permissions,
        depth: 0,
      });
      conclusion = this.cancelled ? 'cancelled' : outcome.result;
      outputs = outcome.outputs;
    } catch (e) {
      error = errorMessage(e);
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

  /** The run's `inputs`: a dispatch's checked against on.workflow_dispatch, or a call's against on.workflow_call. */
  private inputs(workflow: WorkflowDef): Record<string, Json> {
    const given = this.options.inputs ?? {};
    if (this.github.event_name === 'workflow_dispatch') {
      const dispatched = dispatchInputs(workflow, given);
      (this.github.event as Record<string, Json>).inputs = dispatched.event;
      return dispatched.inputs;
    }
    return callInputs(workflow, given, 'workflow_call', { github: this.github, vars: this.options.vars ?? {} });
  }

  private display(path: string): string {
    for (const base of [this.source, this.repoRoot]) {
      const rel = relative(base, path);
      if (!rel.startsWith('..') && !isAbsolute(rel)) return rel;
    }
    return path;
  }

  private load(path: string): Promise<WorkflowDef> {
    return loadWorkflow(resolve(path), this.display(resolve(path)));
  }
}
