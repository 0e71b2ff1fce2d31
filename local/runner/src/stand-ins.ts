/**
 * The local replacements for third-party actions (the list is REPLACEMENTS in actions.ts):
 * actions/checkout and aws-actions/configure-aws-credentials.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Json, toText } from './expressions.js';
import { failedStep, type StepHost, type StepRun } from './types.js';

const done = (outputs: Record<string, string> = {}, env: Record<string, string> = {}): StepRun => ({
  exitCode: 0,
  outputs,
  env,
  path: [],
  state: {},
  summary: '',
});

/** actions/checkout: the workspace already is the checkout; `path:` gets a clone of it. */
export function checkout(host: StepHost, given: Record<string, Json>): StepRun {
  const { workspace } = host;
  const path = given.path ? toText(given.path) : '';
  const sha = String(host.run.github.sha);
  const result = done({ ref: String(host.run.github.ref), commit: sha });
  if (!existsSync(join(workspace, '.git'))) {
    host.line(`checkout (local): ${workspace} is not a git checkout; using it as it is`);
    return result;
  }
  if (!path || resolve(workspace, path) === workspace) {
    host.line(
      `checkout (local): using the workspace ${workspace} at ${sha.slice(0, 12)} (fetch-depth ${given['fetch-depth'] ?? 1}: full history is there)`,
    );
    return result;
  }
  const target = resolve(workspace, path);
  const depth = Number(given['fetch-depth'] ?? 1);
  const args = ['clone', '-q', ...(depth > 0 ? [`--depth=${depth}`] : []), `file://${workspace}`, target];
  if (!existsSync(target)) execFileSync('git', args, { stdio: 'pipe' });
  host.line(`checkout (local): cloned the workspace into ${path}`);
  return result;
}

/** aws-actions/configure-aws-credentials: dummy credentials and the AWS emulator's endpoint. */
export function configureAws(host: StepHost, given: Record<string, Json>): StepRun {
  const aws = host.run.options.aws;
  if (!aws) return failedStep('configure-aws-credentials: no AWS emulator endpoint (RunOptions.aws / --aws-endpoint)');
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
  host.run.masker.add(env.AWS_SECRET_ACCESS_KEY);
  host.run.masker.add(env.AWS_SESSION_TOKEN);
  const role = given['role-to-assume']
    ? ` (role-to-assume ${toText(given['role-to-assume'])} accepted, not assumed)`
    : '';
  host.line(`configure-aws-credentials (local): region ${region}, endpoint ${aws.endpoint}${role}`);
  return done({ 'aws-account-id': '000000000000' }, env);
}
