/**
 * The local replacements for third-party actions (the list is REPLACEMENTS in actions.ts):
 * actions/checkout and aws-actions/configure-aws-credentials.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { errorMessage } from '../../../shared/errors.js';
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

/**
 * actions/checkout: a checkout of the run's commit from the run's repository (RunOptions.workspace)
 * into the job's fresh workspace (or `path:` under it), as the action does it: git init, a fetch of
 * that one commit with `--depth=1` unless `fetch-depth` says otherwise (0: all branches and tags),
 * the branch checked out at it, `origin` pointing at the repository so later fetches work.
 */
export function checkout(host: StepHost, given: Record<string, Json>): StepRun {
  const { github, source } = host.run;
  const repository = given.repository ? toText(given.repository) : String(github.repository);
  if (repository.toLowerCase() !== String(github.repository).toLowerCase())
    return failedStep(
      `checkout (local): repository: ${repository} is not available here; expected the run's repository ${String(github.repository)}`,
    );
  const target = resolve(host.workspace, given.path ? toText(given.path) : '.');
  const rel = relative(host.workspace, target);
  if (rel.startsWith('..') || isAbsolute(rel))
    return failedStep(
      `checkout (local): path: ${toText(given.path ?? null)} is not under the workspace ${host.workspace}`,
    );
  if (!existsSync(join(source, '.git')) && !existsSync(join(source, 'HEAD')))
    return failedStep(`checkout (local): ${source} is not a git repository; expected RunOptions.workspace to be one`);
  const depthText = given['fetch-depth'] === undefined ? '1' : toText(given['fetch-depth']);
  const depth = Number(depthText);
  if (!Number.isInteger(depth) || depth < 0)
    return failedStep(
      `checkout (local): fetch-depth: ${depthText} is not valid; expected 0 (all history) or a positive integer`,
    );
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-C', cwd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .trim();
  try {
    const ref = given.ref ? toText(given.ref) : String(github.sha);
    const sha = git(source, 'rev-parse', '--verify', '-q', `${ref}^{commit}`);
    const isBranch = (name: string) => {
      try {
        git(source, 'show-ref', '--verify', '-q', `refs/heads/${name}`);
        return true;
      } catch {
        return false;
      }
    };
    const named = given.ref ? ref.replace(/^refs\/heads\//, '') : /^refs\/heads\/(.+)$/.exec(String(github.ref))?.[1];
    const branch = named && (!given.ref || isBranch(named)) ? named : undefined;
    rmSync(target, { recursive: true, force: true }); // clean: true
    mkdirSync(target, { recursive: true });
    git(target, 'init', '-q');
    git(target, 'remote', 'add', 'origin', `file://${source}`);
    if (depth === 0) git(target, 'fetch', '-q', '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*', sha);
    else git(target, 'fetch', '-q', '--no-tags', `--depth=${depth}`, 'origin', sha);
    if (branch) git(target, 'checkout', '-q', '--force', '-B', branch, sha);
    else git(target, 'checkout', '-q', '--force', '--detach', sha);
    host.line(
      `checkout (local): ${repository} at ${sha.slice(0, 12)} into ${rel || '.'} (${depth === 0 ? 'all history' : `depth ${depth}`})`,
    );
    return done({ ref: branch ? `refs/heads/${branch}` : ref, commit: sha });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    return failedStep(`checkout (local): ${stderr || errorMessage(e)}`);
  }
}

/**
 * aws-actions/configure-aws-credentials, against the AWS emulator. With `role-to-assume` it does what
 * the action does with GitHub's OIDC provider: an ID token for the job (audience `sts.amazonaws.com`
 * unless `audience:`), only with `id-token: write`, then STS AssumeRoleWithWebIdentity; the role's
 * trust policy decides (AccessDenied fails the step with AWS's message, as the action reports it).
 * Without it, dummy credentials (the emulator checks no signatures).
 */
export async function configureAws(host: StepHost, given: Record<string, Json>): Promise<StepRun> {
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
  const role = given['role-to-assume'] ? toText(given['role-to-assume']) : '';
  let account = '000000000000';
  if (role) {
    if (host.permissions['id-token'] !== 'write') {
      // The action's own words (configure-aws-credentials src/index.ts): without id-token: write
      // there is no ACTIONS_ID_TOKEN_REQUEST_TOKEN, so no provider yields credentials.
      host.line(
        'It looks like you might be trying to authenticate with OIDC. Did you mean to set the `id-token` permission? If you are not trying to authenticate with OIDC and the action is working successfully, you can ignore this message.',
      );
      return failedStep(
        'Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers',
      );
    }
    const audience = given.audience ? toText(given.audience) : 'sts.amazonaws.com';
    host.line('Assuming role with OIDC');
    try {
      const token = await host.idToken(audience);
      const credentials = await assumeRoleWithWebIdentity(aws.endpoint, {
        RoleArn: role,
        RoleSessionName: given['role-session-name'] ? toText(given['role-session-name']) : 'GitHubActions',
        WebIdentityToken: token,
        DurationSeconds: given['role-duration-seconds'] ? toText(given['role-duration-seconds']) : '3600',
      });
      env.AWS_ACCESS_KEY_ID = credentials.AccessKeyId;
      env.AWS_SECRET_ACCESS_KEY = credentials.SecretAccessKey;
      env.AWS_SESSION_TOKEN = credentials.SessionToken;
      account = /^arn:aws:sts::(\d{12}):/.exec(credentials.Arn)?.[1] ?? account;
      host.line(`Authenticated as assumedRoleId ${credentials.AssumedRoleId}`);
    } catch (e) {
      return failedStep(`Could not assume role with OIDC: ${errorMessage(e)}`);
    }
  }
  host.run.masker.add(env.AWS_ACCESS_KEY_ID);
  host.run.masker.add(env.AWS_SECRET_ACCESS_KEY);
  host.run.masker.add(env.AWS_SESSION_TOKEN);
  host.line(
    `configure-aws-credentials (local): region ${region}, endpoint ${aws.endpoint}${role ? `, role ${role}` : ''}`,
  );
  return done({ 'aws-account-id': account }, env);
}

interface AssumedCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Arn: string;
  AssumedRoleId: string;
}

/**
 * STS AssumeRoleWithWebIdentity over the Query protocol (unsigned: the token is the credential). An
 * AWS error is thrown with its message (`Not authorized to perform sts:AssumeRoleWithWebIdentity`);
 * a connection error or a 5xx is retried.
 */
async function assumeRoleWithWebIdentity(
  endpoint: string,
  params: Record<string, string>,
): Promise<AssumedCredentials> {
  const body = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', ...params });
  const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '';
  let last: Error | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    let xml: string;
    let status: number;
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
      });
      status = response.status;
      xml = await response.text();
    } catch (e) {
      last = new Error(errorMessage(e));
      await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
      continue;
    }
    if (status === 200)
      return {
        AccessKeyId: tag(xml, 'AccessKeyId'),
        SecretAccessKey: tag(xml, 'SecretAccessKey'),
        SessionToken: tag(xml, 'SessionToken'),
        Arn: tag(xml, 'Arn'),
        AssumedRoleId: tag(xml, 'AssumedRoleId'),
      };
    last = new Error(tag(xml, 'Message') || `HTTP ${status}`);
    if (status < 500) break;
    await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
  }
  throw last;
}
