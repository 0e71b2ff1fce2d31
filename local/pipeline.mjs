#!/usr/bin/env node
// npm run pipeline [-- --approve-as <login>] [--break smoke|migration|image|deploy] [--no-build] [--quiet]
//                   [--ecs-profile realistic|fast] [--change frontend|docs]
//
// The whole pipeline on this machine: bundles (actions + the local runner), infrastructure and
// emulators up, a git checkout of examples/monorepo whose own caller workflow
// (.github/workflows/pipeline.yml, one `uses:` of the suite's pipeline.yml) the local runner
// (local/runner) runs as a push to main:
// CI, images into localhost:5000, Prisma migrations into PostgreSQL, deploys to "staging" and
// "production" services on the ECS emulator (real containers), smoke tests, the approval gate
// (GitHub emulator). --break shows the failure and rollback paths and verifies that the previous
// version still answers. Ends with a table of stages and the report's path. See local/runner/README.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLoadBalancer } from './load-balancers.mjs';
import { registerOidcRoles } from './runner/oidc-roles.mjs';
import { NODE24 } from './runner/src/step-protocol.mjs';
import { describeTraffic, startTraffic } from './traffic.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// The runner needs Node 22+ (fs.globSync for hashFiles); run under the pinned Node 24.
if (Number(process.versions.node.split('.')[0]) < 22 && existsSync(NODE24)) {
  const r = spawnSync(NODE24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const args = process.argv.slice(2);
const flag = (name) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? (args[at + 1] ?? '') : undefined;
};
const approveAs = flag('approve-as');
const breakMode = flag('break');
if (breakMode !== undefined && !['smoke', 'migration', 'image', 'deploy'].includes(breakMode)) {
  console.error('--break takes smoke, migration, image or deploy');
  process.exit(2);
}
const quiet = args.includes('--quiet');
// --change frontend|docs: an incremental push. The example is committed first, then one more commit
// changes only the frontend (a source file) or only documentation (README.md), and that is pushed:
// only that commit's affected packages count (before = the example commit).
const change = flag('change');
if (change !== undefined && !['frontend', 'docs'].includes(change)) {
  console.error('--change takes frontend or docs');
  process.exit(2);
}
if (change !== undefined && breakMode !== undefined) {
  console.error('--change and --break do not combine');
  process.exit(2);
}
// The AWS emulator's ECS timing for the example cluster: realistic (AWS's pace, the default, what
// the figures quote) or fast (x0.05, what tests use; deploy-ecs decides the same under both).
const ecsProfile = flag('ecs-profile') ?? 'realistic';
if (!['realistic', 'fast'].includes(ecsProfile)) {
  console.error('--ecs-profile takes realistic or fast');
  process.exit(2);
}
// --suite-root DIR: take .github/workflows from another copy of the suite (to try a workflow change).
const SUITE_ROOT = flag('suite-root') ?? ROOT;
const STATE = join(ROOT, '.local/pipeline');
// The example's own caller workflow: what a user of the suite puts in their repository.
const WORKFLOW = '.github/workflows/pipeline.yml';
const CHECKOUT = join(STATE, 'checkout');
const REPO = 'org/example';
const REGISTRY = 'localhost:5000';
const PG = 'postgresql://postgres:postgres@127.0.0.1:5432';
// As in examples/monorepo/.github/workflows/pipeline.yml (its services and smoke checks).
const CLUSTER = 'example';
const serviceName = (service, env) => `${service}-${env}`;
// Each service's load-balancer listener (local/load-balancers.mjs; ports of the emulator's HAProxy pool),
// where users' traffic and the smoke checks go; the tasks behind it get host ports of their own.
const PORTS = { staging: { backend: 18020, frontend: 18021 }, production: { backend: 18030, frontend: 18031 } };
const CONTAINER_PORTS = { backend: 3000, frontend: 8080 };
const ENVS = ['staging', 'production'];
const SERVICES = ['backend', 'frontend'];
const timings = [];
let githubEmulator;
let cacheEmulator;

const say = (line) => console.log(`[pipeline] ${line}`);
async function timed(name, fn) {
  const started = Date.now();
  try {
    const value = await fn();
    timings.push({ stage: name, outcome: value?.conclusion ?? 'success', ms: Date.now() - started });
    return value;
  } catch (error) {
    timings.push({ stage: name, outcome: 'failure', ms: Date.now() - started });
    throw error;
  }
}
const run = (program, argv, options = {}) =>
  execFileSync(program, argv, { cwd: ROOT, stdio: quiet ? 'pipe' : 'inherit', ...options });

// --- infrastructure -----------------------------------------------------------------------------

async function ensureGithubEmulator() {
  const seed = {
    users: [
      { login: 'octocat', tokens: ['token-octocat'] },
      { login: 'alice', tokens: ['token-alice'] },
      { login: 'bob', tokens: ['token-bob'] },
      { login: 'github-actions[bot]', type: 'Bot', installation: true, tokens: ['ghs_local_pipeline_token'] },
    ],
    repos: [
      {
        owner: 'org',
        name: 'example',
        collaborators: { octocat: 'admin', alice: 'write', bob: 'write', 'github-actions[bot]': 'write' },
      },
    ],
  };
  // Our own instance, in this process, on a free port, for the duration of the run (the shared
  // one under .local/emulators/github may belong to a test).
  const { loadEmulator } = await import('./emulators/github/load.mjs');
  const { startGitHubEmulator } = await loadEmulator();
  githubEmulator = await startGitHubEmulator({ port: 0, host: '127.0.0.1', seed });
  const url = githubEmulator.url;
  say(`GitHub emulator on ${url}`);
  return url;
}

async function post(url, body, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
}

function aws(endpoint) {
  return (operation, body) =>
    post(endpoint, body, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AmazonEC2ContainerServiceV20141113.${operation}`,
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=local',
    });
}

/** Databases, secrets, clusters and services: what Terraform would have made before the first deploy. */
async function bootstrapEnvironments(endpoint) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: `${PG}/postgres` });
  await client.connect();
  for (const env of ENVS) {
    const exists = await client.query('select 1 from pg_database where datname = $1', [`example_${env}`]);
    if (!exists.rowCount) await client.query(`create database example_${env}`);
  }
  await client.end();
  const ecs = aws(endpoint);
  const { cluster } = await ecs('CreateCluster', { clusterName: CLUSTER });
  // Tagged on every run: the cluster outlives runs, and each run chooses its profile.
  await ecs('TagResource', {
    resourceArn: cluster.clusterArn,
    tags: [{ key: 'emulator:profile', value: ecsProfile }],
  });
  for (const env of ENVS) {
    await post(`${endpoint}/_emulator/secrets`, { name: `${env}/database-url`, value: `${PG}/example_${env}` });
    const targetGroups = await ensureLoadBalancer(endpoint, `example-${env}`, PORTS[env], CONTAINER_PORTS);
    for (const service of SERVICES) {
      // Two tasks behind the target group; a deploy starts new ones before stopping (and draining) old ones.
      const behindLoadBalancer = {
        desiredCount: 2,
        loadBalancers: [
          {
            targetGroupArn: targetGroups[service].targetGroupArn,
            containerName: service,
            containerPort: CONTAINER_PORTS[service],
          },
        ],
        healthCheckGracePeriodSeconds: 30,
      };
      const deploymentConfiguration = {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      };
      const described = await ecs('DescribeServices', {
        cluster: CLUSTER,
        services: [serviceName(service, env)],
        include: ['TAGS'],
      });
      const active = described.services?.find((s) => s.status === 'ACTIVE');
      if (active?.loadBalancers?.length) continue;
      if (active) {
        // A service of an earlier layout (one task on a pinned host port): moved behind the load balancer.
        if (active.tags?.some((t) => t.key === 'emulator:host-ports'))
          await ecs('UntagResource', { resourceArn: active.serviceArn, tagKeys: ['emulator:host-ports'] });
        await ecs('UpdateService', {
          cluster: CLUSTER,
          service: active.serviceName,
          ...behindLoadBalancer,
          deploymentConfiguration,
          forceNewDeployment: true,
        });
        say(`moved service ${active.serviceName} behind load balancer example-${env} (port ${PORTS[env][service]})`);
        continue;
      }
      // The "previous version" for the very first run: a tiny server answering /health and /version.
      const definition = JSON.parse(
        readFileSync(join(ROOT, `examples/monorepo/deploy/${env}/${service}.json`), 'utf8'),
      );
      const container = definition.containerDefinitions[0];
      container.image = `${REGISTRY}/deploy-actions/node:24`;
      container.entryPoint = ['node', '-e', BASELINE_SERVER];
      container.secrets = [];
      const registered = await ecs('RegisterTaskDefinition', definition);
      await ecs('CreateService', {
        cluster: CLUSTER,
        serviceName: serviceName(service, env),
        taskDefinition: registered.taskDefinition.taskDefinitionArn,
        ...behindLoadBalancer,
        deploymentConfiguration,
        // awsvpc (Fargate) services need their subnets, as on ECS.
        ...(definition.networkMode === 'awsvpc' && {
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: ['subnet-0example'],
              securityGroups: ['sg-0example'],
              assignPublicIp: 'DISABLED',
            },
          },
        }),
      });
      say(
        `created service ${serviceName(service, env)} in ${CLUSTER} (baseline version) behind load balancer example-${env} port ${PORTS[env][service]}`,
      );
    }
  }
}

const BASELINE_SERVER = `require('http').createServer((q, s) => { s.setHeader('content-type', 'application/json'); s.end(JSON.stringify(q.url === '/version' ? { version: 'baseline', commit: 'baseline' } : { status: 'ok', database: 'not-configured' })); }).listen(process.env.PORT);`;

async function versions() {
  const result = {};
  for (const env of ENVS) {
    for (const service of SERVICES) {
      try {
        const response = await fetch(`http://127.0.0.1:${PORTS[env][service]}/version`, {
          signal: AbortSignal.timeout(2000),
        });
        result[`${env}/${service}`] = (await response.json()).commit ?? '?';
      } catch {
        result[`${env}/${service}`] = 'down';
      }
    }
  }
  return result;
}

const ACTIONS_SNAPSHOT = join(STATE, 'actions');

/** Copies each action's action.yml and dist/ to .local/pipeline/actions (what the run uses). */
function snapshotBundles() {
  rmSync(ACTIONS_SNAPSHOT, { recursive: true, force: true });
  for (const name of readdirSync(join(ROOT, 'actions'))) {
    const dir = join(ROOT, 'actions', name);
    if (!existsSync(join(dir, 'dist/index.js'))) continue;
    if (existsSync(join(dir, 'src/post.ts')) && !existsSync(join(dir, 'dist/post/index.js')))
      throw new Error(`${name}: dist/post/index.js is missing`);
    cpSync(join(dir, 'action.yml'), join(ACTIONS_SNAPSHOT, name, 'action.yml'));
    cpSync(join(dir, 'dist'), join(ACTIONS_SNAPSHOT, name, 'dist'), { recursive: true });
  }
}

/** Actions whose dist/index.js is missing or older than their sources or shared/ (so reruns skip ncc). */
function staleBundles() {
  const newest = (dir) => {
    let max = 0;
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && !entry.parentPath.includes('__tests__'))
        max = Math.max(max, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
    return max;
  };
  const shared = newest(join(ROOT, 'shared'));
  return readdirSync(join(ROOT, 'actions')).filter((name) => {
    const dir = join(ROOT, 'actions', name);
    if (!existsSync(join(dir, 'src/index.ts'))) return false;
    const bundle = join(dir, 'dist/index.js');
    if (existsSync(join(dir, 'src/post.ts')) && !existsSync(join(dir, 'dist/post/index.js'))) return true;
    return (
      !existsSync(bundle) ||
      statSync(bundle).mtimeMs < Math.max(shared, newest(join(dir, 'src')), statSync(join(dir, 'action.yml')).mtimeMs)
    );
  });
}

// --- the checkout -------------------------------------------------------------------------------

function makeCheckout() {
  // A fresh repository each run: an initial commit, then the example as the pushed commit (so the
  // push has a `before` and every package counts as affected, as on a first push).
  rmSync(CHECKOUT, { recursive: true, force: true });
  mkdirSync(CHECKOUT, { recursive: true });
  const git = (...argv) =>
    execFileSync('git', ['-C', CHECKOUT, '-c', 'user.name=Octo Cat', '-c', 'user.email=octocat@example.com', ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .toString()
      .trim();
  git('init', '-q', '-b', 'main');
  git('commit', '-q', '--allow-empty', '-m', 'Initial commit');
  const skip = /(^|\/)(node_modules|dist|\.turbo|generated)(\/|$)/;
  const source = join(ROOT, 'examples/monorepo');
  cpSync(source, CHECKOUT, { recursive: true, filter: (src) => !skip.test(relative(source, src)) });
  writeFileSync(join(CHECKOUT, '.gitignore'), 'node_modules/\ndist/\n.turbo/\ngenerated/\n');
  if (breakMode === 'smoke') {
    // One more staging check, which cannot pass.
    const file = join(CHECKOUT, WORKFLOW);
    const anchor = `          - { name: backend health, url: "http://127.0.0.1:${PORTS.staging.backend}/health"`;
    const text = readFileSync(file, 'utf8');
    if (!text.includes(anchor)) throw new Error(`--break smoke: ${WORKFLOW} has no staging check starting ${anchor}`);
    writeFileSync(
      file,
      text.replace(
        anchor,
        `          - { name: broken on purpose (--break smoke), url: "http://127.0.0.1:${PORTS.staging.backend}/health", expect: { status: 418 } }\n${anchor}`,
      ),
    );
  }
  if (breakMode === 'migration') {
    const dir = join(CHECKOUT, 'packages/database/prisma/migrations/29990101000000_broken_on_purpose');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'migration.sql'),
      '-- --break migration: fails on purpose\nALTER TABLE "no_such_table" ADD COLUMN "x" TEXT;\n',
    );
  }
  if (breakMode === 'deploy') {
    // The image builds, but the frontend's container exits at start: its deployment fails.
    const file = join(CHECKOUT, 'apps/frontend/Dockerfile');
    writeFileSync(
      file,
      `${readFileSync(file, 'utf8')}\n# --break deploy: exits at start on purpose\nCMD ["node", "-e", "process.exit(3)"]\n`,
    );
  }
  if (breakMode === 'image') {
    const file = join(CHECKOUT, 'apps/backend/Dockerfile');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n# --break image: fails on purpose\nRUN exit 42\n`);
  }
  git('add', '-A');
  const message = `pipeline run ${new Date().toISOString()}${breakMode ? ` (--break ${breakMode})` : ''}`;
  git('commit', '-q', '-m', message);
  if (change) {
    const file = join(CHECKOUT, change === 'frontend' ? 'apps/frontend/src/server.js' : 'README.md');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n// --change ${change}: ${new Date().toISOString()}\n`);
    git('commit', '-q', '-am', `--change ${change}: only ${relative(CHECKOUT, file)}`);
  }
  return git('rev-parse', 'HEAD');
}

/** The commit each service should answer after a green run: the pushed one, unless not changed. */
function expectedAfter(before, pushed) {
  const changed = (service) => !change || (change === 'frontend' && service === 'frontend');
  return Object.fromEntries(Object.keys(before).map((key) => [key, changed(key.split('/')[1]) ? pushed : before[key]]));
}

// --- the approval -------------------------------------------------------------------------------

function watchApproval(githubUrl, signal) {
  let told = false;
  return (async () => {
    while (!signal.aborted) {
      await new Promise((r) => setTimeout(r, 1000));
      let issues = [];
      try {
        issues = await (await fetch(`${githubUrl}/_emulator/issues?repo=${REPO}`)).json();
      } catch {
        continue;
      }
      const open = issues.filter((i) => i.state === 'open' && !i.deleted);
      if (!open.length) continue;
      const issue = open[open.length - 1];
      if (approveAs) {
        await post(`${githubUrl}/_emulator/approve`, {
          repo: REPO,
          user: approveAs,
          issue: issue.number,
          reason: 'approved by npm run pipeline --approve-as',
        });
        say(`approved issue #${issue.number} as ${approveAs}`);
        return;
      }
      if (!told) {
        told = true;
        say(`waiting for approval of issue #${issue.number} "${issue.title}". Approve with:`);
        say(
          `  curl -s -X POST ${githubUrl}/_emulator/approve -H 'content-type: application/json' -d '{"repo":"${REPO}","user":"alice"}'`,
        );
        say('  (or re-run with --approve-as alice)');
      }
    }
  })();
}

// --- main ---------------------------------------------------------------------------------------

const started = Date.now();
let result;
let before = {};
let after = {};
let verdict = '';
let sha = '';
let trafficRun;
let traffic = null;
try {
  if (!args.includes('--no-build')) {
    await timed('bundles (actions + runner)', async () => {
      // dist/ is shared with whoever else builds in this checkout: build what is stale or missing
      // (again if another build removed it meanwhile), then run from a snapshot of the bundles.
      for (let attempt = 1; ; attempt++) {
        const stale = staleBundles();
        if (!stale.length) break;
        if (attempt > 3) throw new Error(`bundles still missing after 3 builds: ${stale.join(', ')}`);
        run(process.execPath, [join(ROOT, 'scripts/build.mjs'), ...stale]);
      }
      snapshotBundles();
      run(process.execPath, [join(ROOT, 'local/runner/build.mjs')]);
    });
  } else {
    run(process.execPath, [join(ROOT, 'local/runner/build.mjs'), '--quiet']);
    snapshotBundles();
  }
  await timed('infrastructure (docker, registry, postgres, AWS emulator)', () =>
    run('bash', [join(ROOT, 'local/infra/infra.sh'), 'up']),
  );
  const awsEndpoint = JSON.parse(readFileSync(join(ROOT, '.local/emulators/aws.json'), 'utf8')).endpoint;
  const githubUrl = await timed('GitHub emulator', ensureGithubEmulator);
  // The example caches through GitHub's cache service (setup-monorepo's default backend): an
  // emulator of it for this run, speaking v2 as on github.com's hosted runners.
  let cacheRuntimeToken;
  cacheEmulator = await timed('GitHub cache service emulator', async () => {
    const { loadCacheEmulator } = await import('./emulators/cache/load.mjs');
    const { startCacheEmulator, runtimeToken } = await loadCacheEmulator();
    cacheRuntimeToken = runtimeToken({ ref: 'refs/heads/main' });
    return startCacheEmulator();
  });
  await timed('environments (databases, secrets, ECS services)', () => bootstrapEnvironments(awsEndpoint));
  // One IAM role per stage, each trusting only its own jobs' OIDC subject (the runner is the issuer
  // and hands its key to the emulator at the first token): images run without an environment.
  await timed('IAM roles for GitHub OIDC (images, staging, production)', () =>
    registerOidcRoles(awsEndpoint, [
      { name: 'example-images', sub: `repo:${REPO}:ref:refs/heads/main` },
      { name: 'example-staging', sub: `repo:${REPO}:environment:staging` },
      { name: 'example-production', sub: `repo:${REPO}:environment:production` },
    ]),
  );
  before = await versions();
  // Services created just now start their baseline tasks in a few seconds: wait for them to answer.
  for (let waited = 0; Object.values(before).includes('down') && waited < 60; waited++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    before = await versions();
  }
  say(`running versions before: ${JSON.stringify(before)}`);
  sha = await timed('checkout of examples/monorepo', makeCheckout);
  say(
    `checkout ${relative(process.cwd(), CHECKOUT)} at ${sha.slice(0, 12)}${breakMode ? ` (--break ${breakMode})` : ''}`,
  );

  const { runWorkflow } = await import(join(ROOT, 'local/runner/dist/runner.mjs'));
  // Users' traffic through every listener during the whole run: a deploy or rollback must lose none.
  trafficRun = await startTraffic(
    ENVS.flatMap((env) => SERVICES.map((service) => `http://127.0.0.1:${PORTS[env][service]}/health`)),
  );
  const stop = new AbortController();
  const approval = watchApproval(githubUrl, stop.signal);
  result = await timed('workflow run (local runner)', () =>
    runWorkflow({
      workflow: join(CHECKOUT, WORKFLOW),
      repoRoot: SUITE_ROOT,
      actionsDir: ACTIONS_SNAPSHOT,
      node: NODE24,
      workspace: CHECKOUT,
      event: 'push',
      ref: 'refs/heads/main',
      sha,
      repository: REPO,
      actor: 'octocat',
      runDir: join(STATE, 'runs', String(Date.now())),
      secrets: { STAGING_DATABASE_URL: `${PG}/example_staging`, PRODUCTION_DATABASE_URL: `${PG}/example_production` },
      aws: { endpoint: awsEndpoint, region: 'us-east-1' },
      github: { apiUrl: githubUrl, token: 'ghs_local_pipeline_token' },
      env: {
        ACTIONS_CACHE_URL: cacheEmulator.url,
        ...cacheEmulator.env({ token: cacheRuntimeToken }),
        TURBO_TELEMETRY_DISABLED: '1',
        DO_NOT_TRACK: '1',
        PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}`,
      },
      toolCache: join(STATE, 'tool-cache'),
      verbose: !quiet,
    }),
  );
  stop.abort();
  await approval.catch(() => {});
  traffic = await trafficRun.stop();
  trafficRun = undefined;
  say(describeTraffic(traffic));
  after = await versions();
  if (breakMode === 'migration') {
    // The failed migration is recorded in staging's _prisma_migrations; clear it so the next run is not blocked.
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: `${PG}/example_staging` });
    await client.connect();
    await client
      .query(`delete from "_prisma_migrations" where migration_name = '29990101000000_broken_on_purpose'`)
      .catch(() => {});
    await client.end();
  }
} catch (error) {
  console.error(`[pipeline] ${error.stack ?? error}`);
}
// A run that threw still ends its load (its counts are not a measure of the deploy then).
await trafficRun?.stop().catch(() => {});

// --- the table ----------------------------------------------------------------------------------

const stageOf = (key) => {
  const parts = key.split(' / ');
  if (parts[1] === 'ci') return `CI: ${parts.slice(2).join(' / ') || 'ci'}`;
  if (parts[1] === 'images') return `images: ${parts.slice(2).join(' / ') || 'images'}`;
  if (parts[1] === 'staging' || parts[1] === 'production')
    return `${parts[1]}: ${parts.slice(2).join(' / ') || parts[1]}`;
  if (parts[1] === 'approve') return 'approval';
  return key;
};
const rows = timings.map((t) => [t.stage, t.outcome, t.ms]);
for (const job of (result?.jobs ?? []).filter(
  (j) => j.steps.length || j.result === 'skipped' || j.result === 'cancelled',
)) {
  rows.push([`  ${stageOf(job.key)}`, job.result, job.durationMs]);
}
const width = Math.max(...rows.map((r) => r[0].length), 10);
console.log('');
console.log(`${'stage'.padEnd(width)}  ${'outcome'.padEnd(9)}  duration`);
console.log(`${'-'.repeat(width)}  ---------  --------`);
for (const [stage, outcome, ms] of rows)
  console.log(`${stage.padEnd(width)}  ${outcome.padEnd(9)}  ${(ms / 1000).toFixed(1).padStart(7)}s`);
console.log(
  `${'total'.padEnd(width)}  ${(result?.conclusion ?? 'failure').padEnd(9)}  ${((Date.now() - started) / 1000).toFixed(1).padStart(7)}s`,
);
console.log('');
say(`running versions after: ${JSON.stringify(after)}`);

let exitCode = result?.conclusion === 'success' ? 0 : 1;
if (!breakMode && result?.conclusion === 'success') {
  // Green means every service of both environments answers with the commit just pushed (with
  // --change, a service the change does not touch still answers what it answered before).
  const expected = expectedAfter(before, sha);
  const stale = Object.entries(after).filter(([key, commit]) => commit !== expected[key]);
  verdict = stale.length ? 'NOT verified' : 'verified';
  say(
    stale.length
      ? `the run succeeded but ${stale.map(([k, v]) => `${k} answers ${v} (expected ${expected[k].slice(0, 12)})`).join(', ')}`
      : `every service answers what it should (${JSON.stringify(expected)}): deploy verified`,
  );
  if (stale.length) exitCode = 1;
}
if (breakMode && result) {
  // The previous version answers on every service of both environments.
  const kept = Object.keys(before).every((k) => before[k] !== 'down' && after[k] === before[k]);
  const failedAsExpected = result.conclusion === 'failure';
  const job = (re) => result.jobs.find((j) => re.test(j.key));
  let expected = false;
  // Every service's rollback job (its deploy-ecs step) must succeed; deploy.yml's verdict job fails the run.
  const rollbacks = result.jobs.filter((j) => /staging \/ rollback/.test(j.key) && j.steps.length);
  const rolledBack = (j) => j.steps.some((s) => /deploy-ecs/.test(s.uses ?? '') && s.conclusion === 'success');
  const everyServiceRolledBack = rollbacks.length === SERVICES.length && rollbacks.every(rolledBack);
  if (breakMode === 'smoke')
    expected =
      job(/staging \/ smoke/)?.result === 'failure' &&
      everyServiceRolledBack &&
      job(/production/)?.result !== 'success';
  if (breakMode === 'deploy')
    expected =
      job(/staging \/ deploy \(frontend\)/)?.result === 'failure' &&
      job(/staging \/ deploy \(backend\)/)?.result === 'success' &&
      everyServiceRolledBack &&
      job(/production/)?.result !== 'success';
  if (breakMode === 'migration')
    expected = job(/staging \/ migrate/)?.result === 'failure' && job(/staging \/ deploy/)?.result === 'skipped';
  if (breakMode === 'image')
    expected =
      job(/images \/ images/)?.result === 'failure' &&
      !result.jobs.some((j) => /staging \/ deploy/.test(j.key) && j.result !== 'skipped');
  verdict = failedAsExpected && expected && kept ? 'verified' : 'NOT verified';
  say(
    `--break ${breakMode}: the run ${result.conclusion}; expected failure path ${expected ? 'taken' : 'NOT taken'}; staging backend answers ${after['staging/backend']} (before: ${before['staging/backend']}): rollback ${verdict}`,
  );
  exitCode = verdict === 'verified' ? 0 : 1;
}
if (result)
  say(
    `report: ${relative(process.cwd(), result.reportPath)} (job logs: ${relative(process.cwd(), join(result.runDir, 'jobs'))})`,
  );
// For tests and scripts: what happened, in one file.
mkdirSync(STATE, { recursive: true });
writeFileSync(
  join(STATE, 'last-run.json'),
  JSON.stringify(
    {
      exitCode,
      conclusion: result?.conclusion ?? 'failure',
      break: breakMode ?? null,
      change: change ?? null,
      verdict,
      sha,
      before,
      after,
      traffic,
      report: result?.reportPath ?? null,
      jobs: (result?.jobs ?? []).map((j) => ({
        key: j.key,
        result: j.result,
        outputs: j.outputs,
        steps: j.steps.map((step) => ({ name: step.name, conclusion: step.conclusion })),
      })),
    },
    null,
    2,
  ),
);
await githubEmulator?.close?.().catch?.(() => {});
await cacheEmulator?.close().catch(() => {});
process.exit(exitCode);
