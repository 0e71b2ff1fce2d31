// biome-ignore-all lint/suspicious/noTemplateCurlyInString: workflow expressions are the subject
/**
 * A job's identity on GitHub, in the local runner: its own GITHUB_TOKEN scoped to its effective
 * permissions (GitHub emulator), the nested-permission check of reusable workflows, environment
 * secrets and variables, and OIDC into AWS (AWS emulator IAM + STS) with the job's `sub`. Every
 * test here failed on the runner before it had the rule (one token for all jobs, nothing checked).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EmulatorProcess, startEmulatorProcess } from '../../emulators/aws/testing/process.js';
import { GitHubEmulator } from '../../emulators/github/server.js';
import { registerOidcRoles } from '../oidc-roles.mjs';
import type * as Runner from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURES = join(ROOT, 'local/runner/__tests__/fixtures/identity');
const REPO = 'org/app';
let runner: typeof Runner;
let github: GitHubEmulator;
let aws: EmulatorProcess;
const temp = mkdtempSync(join(tmpdir(), 'runner-identity-'));
const prefix = `t${Date.now().toString(36)}`;

beforeAll(async () => {
  const { buildRunner, RUNNER_BUNDLE } = await import(join(ROOT, 'local/runner/build.mjs'));
  await buildRunner();
  runner = await import(RUNNER_BUNDLE);
  github = new GitHubEmulator();
  await github.listen(0);
  github.seed({ repos: [{ owner: 'org', name: 'app', private: true, collaborators: {} }] });
  aws = await startEmulatorProcess(['--tick-ms', '200']);
  await registerOidcRoles(aws.endpoint, [
    { name: `${prefix}-images`, sub: `repo:${REPO}:ref:refs/heads/main` },
    { name: `${prefix}-staging`, sub: `repo:${REPO}:environment:staging` },
    { name: `${prefix}-production`, sub: `repo:${REPO}:environment:production` },
  ]);
}, 120_000);

afterAll(async () => {
  await github?.close();
  await aws?.stop();
  rmSync(temp, { recursive: true, force: true });
});

async function run(workflow: string, extra: Partial<Runner.RunOptions> = {}) {
  const lines: string[] = [];
  const result = await runner.runWorkflow({
    workflow: join(FIXTURES, workflow),
    repoRoot: ROOT,
    workspace: ROOT,
    runDir: mkdtempSync(join(temp, 'run-')),
    repository: REPO,
    ref: 'refs/heads/main',
    github: { apiUrl: github.url },
    aws: { endpoint: aws.endpoint },
    oidcKeyFile: join(temp, 'oidc-key.pem'),
    env: { FIXTURES },
    vars: { ROLE_PREFIX: prefix, TIER: 'repository' },
    print: (line) => lines.push(line),
    ...extra,
  });
  const results = Object.fromEntries(result.jobs.map((j) => [j.key, j.result]));
  return { result, results, log: lines.join('\n') };
}

test('each job gets its own GITHUB_TOKEN with its effective permissions; a missing scope is GitHub’s 403', async () => {
  const { results, log } = await run('permissions.yml');
  expect(results).toEqual({
    reader: 'failure',
    writer: 'success',
    'via-call / comment': 'success',
    'via-call': 'success',
  });
  expect(log).toMatch(/\[reader\] status=403 Resource not accessible by integration/);
  expect(log).toMatch(/\[writer\] status=201 issue #\d+/);
  expect(log).toMatch(/\[via-call \/ comment\] status=201 issue #\d+/);
  expect(log).toMatch(/\[reader\] GITHUB_TOKEN permissions: contents: read \(metadata: read\)/);
  // The tokens themselves never reach the log.
  expect(log).not.toMatch(/ghs_/);
});

test('a called workflow asking for more than its caller grants fails the run before any job', async () => {
  const { result, log } = await run('nested-elevation.yml');
  expect(result.conclusion).toBe('failure');
  expect(result.jobs).toEqual([]);
  expect(result.error).toContain(
    "Error calling workflow './local/runner/__tests__/fixtures/identity/called-issues.yml'. The nested job 'comment' is requesting 'issues: write', but is only allowed 'issues: none'.",
  );
  expect(log).not.toMatch(/must not run/);
});

test('OIDC: the sub claim per job (ref: or environment:) against each role’s trust policy; environment secrets only in their jobs', async () => {
  const { results, log, result } = await run('aws.yml', {
    secrets: {},
    environments: { staging: { secrets: { DB_PASSWORD: 'staging-pw-1234' }, vars: { TIER: 'staging' } } },
  });
  expect(results).toEqual({
    images: 'success',
    staging: 'success',
    'staging-as-production': 'failure',
    'no-id-token': 'failure',
  });
  expect(log).toMatch(
    new RegExp(
      `\\[images\\] caller=arn:aws:sts::000000000000:assumed-role/${prefix}-images/GitHubActions region=us-east-1`,
    ),
  );
  expect(log).toMatch(
    new RegExp(
      `\\[staging\\] caller=arn:aws:sts::000000000000:assumed-role/${prefix}-staging/GitHubActions region=eu-west-1`,
    ),
  );
  // Environment secrets and variables: only the staging job sees them, and the secret is masked.
  expect(log).toMatch(/\[images\] db=\[\] tier=\[repository\]/);
  expect(log).toMatch(/\[staging\] db-length=15 tier=\[staging\] db=\[\*\*\*\]/);
  expect(log).not.toMatch(/staging-pw-1234/);
  // A staging job cannot assume the production role: AWS's AccessDenied, as the action reports it.
  expect(log).toMatch(
    /\[staging-as-production\] Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity/,
  );
  // Without id-token: write the action finds no credentials (its own hint first).
  expect(log).toMatch(/\[no-id-token\] It looks like you might be trying to authenticate with OIDC/);
  expect(log).toMatch(
    /\[no-id-token\] Error: Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers/,
  );
  expect(result.jobs.find((j) => j.key === 'staging')?.notes).toContain('environment: staging');
}, 60_000);
