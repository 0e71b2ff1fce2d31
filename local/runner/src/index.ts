/**
 * The local workflow runner: library entry (runWorkflow and the pieces the tests use) and CLI.
 *
 *   node24 local/runner/dist/runner.mjs <workflow.yml> [--workspace DIR] [--event push]
 *     [--ref refs/heads/main] [--input k=v]... [--secret K=V]... [--var K=V]... [--env K=V]...
 *     [--env-secret NAME:K=V]... [--env-var NAME:K=V]... [--default-permissions restricted|permissive]
 *     [--aws-endpoint URL] [--github-api URL] [--github-token T] [--run-dir DIR] [--quiet] [--json]
 *
 * Exit code 0 when the run succeeded, 1 when it failed, 2 on usage errors.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../../../shared/errors.js';
import { runWorkflow } from './run.js';

export { REPLACEMENTS } from './actions.js';
export { evaluate, evaluateCondition, hashFiles, hasStatusFunction, interpolate } from './expressions.js';
export { Masker } from './masker.js';
export { expandMatrix, matrixLabel } from './matrix.js';
export { runWorkflow } from './run.js';
export { parseAnnotations, parseFileCommands, parseWorkflowCommand } from './step-protocol.mjs';
export type { JobRecord, RunOptions, RunResult } from './types.js';
export { loadWorkflow, WorkflowError } from './workflow.js';

function parseArgs(argv: string[]) {
  const options: Parameters<typeof runWorkflow>[0] & { json?: boolean } = { workflow: '' };
  const pairs = (target: Record<string, string>, value: string) => {
    const at = value.indexOf('=');
    if (at < 1) throw new Error(`expected KEY=VALUE, got ${value}`);
    target[value.slice(0, at)] = value.slice(at + 1);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--workspace':
        options.workspace = value();
        break;
      case '--repo-root':
        options.repoRoot = value();
        break;
      case '--event':
        options.event = value();
        break;
      case '--ref':
        options.ref = value();
        break;
      case '--sha':
        options.sha = value();
        break;
      case '--repository':
        options.repository = value();
        break;
      case '--actor':
        options.actor = value();
        break;
      case '--input':
        options.inputs = options.inputs ?? {};
        pairs(options.inputs as Record<string, string>, value());
        break;
      case '--secret':
        options.secrets = options.secrets ?? {};
        pairs(options.secrets, value());
        break;
      case '--var':
        options.vars = options.vars ?? {};
        pairs(options.vars, value());
        break;
      case '--env':
        options.env = options.env ?? {};
        pairs(options.env, value());
        break;
      case '--env-secret':
      case '--env-var': {
        // NAME:K=V, a secret or variable of deployment environment NAME.
        const given = value();
        const colon = given.indexOf(':');
        if (colon < 1) throw new Error(`${arg}: ${given}; expected ENVIRONMENT:KEY=VALUE`);
        const environments = options.environments ?? {};
        const name = given.slice(0, colon);
        const environment = environments[name] ?? {};
        const kind = arg === '--env-secret' ? 'secrets' : 'vars';
        const target = environment[kind] ?? {};
        pairs(target, given.slice(colon + 1));
        options.environments = { ...environments, [name]: { ...environment, [kind]: target } };
        break;
      }
      case '--default-permissions': {
        const level = value();
        if (level !== 'restricted' && level !== 'permissive')
          throw new Error(`--default-permissions: ${level}; expected restricted or permissive`);
        options.defaultPermissions = level;
        break;
      }
      case '--aws-endpoint':
        options.aws = { endpoint: value() };
        break;
      case '--github-api':
        options.github = { ...options.github, apiUrl: value() };
        break;
      case '--github-token':
        options.github = { ...options.github, token: value() };
        break;
      case '--actions-dir':
        options.actionsDir = value();
        break;
      case '--run-dir':
        options.runDir = value();
        break;
      case '--max-parallel':
        options.maxParallel = Number(value());
        break;
      case '--quiet':
        options.verbose = false;
        break;
      case '--json':
        options.json = true;
        break;
      default:
        if (arg.startsWith('--') || options.workflow) throw new Error(`unknown argument ${arg}`);
        options.workflow = arg;
    }
  }
  if (!options.workflow) throw new Error('usage: runner.mjs <workflow.yml> [options] (see local/runner/README.md)');
  return options;
}

async function main() {
  process.stdout.on('error', () => {}); // a closed pipe (| head) must not crash the run
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${errorMessage(e)}\n`);
    process.exit(2);
  }
  const result = await runWorkflow(options);
  if (options.json) process.stdout.write(`${JSON.stringify({ ...result, jobs: undefined })}\n`);
  process.exit(result.conclusion === 'success' ? 0 : 1);
}

const entry = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (entry === fileURLToPath(import.meta.url)) await main();
