// build-push-image: (1) a second run of an unchanged service (content tag found, tags added through
// the registry API, no build) versus its first build; (2) the action's own overhead versus the same
// `docker build` + `docker push` of the same tags by hand. Needs the local Docker engine and the
// registry at 127.0.0.1:5000 (bash local/infra/infra.sh up). Images are tiny: FROM the base image
// plus one small file.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REGISTRY = '127.0.0.1:5000';
const BASE_IMAGE = 'localhost:5000/deploy-actions/node:24';
const RUNS = 3;

export default async function bench(ctx) {
  const dir = join(ctx.root, 'actions/build-push-image');
  const ns = `bpi-bench-${randomBytes(3).toString('hex')}`;
  const work = mkdtempSync(join(tmpdir(), 'bpi-bench-'));
  const context = join(work, 'app');
  mkdirSync(context);
  writeFileSync(
    join(context, 'Dockerfile'),
    `ARG BASE_IMAGE=${BASE_IMAGE}\nFROM $BASE_IMAGE\nCOPY hello.txt /srv/hello.txt\n`,
  );
  const change = () => writeFileSync(join(context, 'hello.txt'), `${randomBytes(8).toString('hex')}\n`);
  const env = (sha) => ({
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/feature',
    GITHUB_SHA: sha,
    GITHUB_WORKSPACE: work,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'org/example',
  });
  const sha = () => randomBytes(20).toString('hex');
  const image = `${REGISTRY}/${ns}/app`;
  const run = async (inputs, environment) => {
    const result = await ctx.runAction(dir, { image, context, concurrency: 1, ...inputs }, environment);
    if (result.exitCode !== 0) throw new Error(`build-push-image failed:\n${result.log.slice(-3000)}`);
    return result;
  };
  const docker = (...args) =>
    execFileSync('docker', args, { stdio: 'ignore', env: { ...process.env, DOCKER_BUILDKIT: '0' } });

  try {
    // (1) first build of fresh content, then the same content again with a new commit.
    const first = [];
    const second = [];
    for (let i = 0; i < RUNS; i++) {
      change();
      first.push((await run({}, env(sha()))).ms);
      const again = await run({}, env(sha()));
      if (!/build skipped/.test(again.log)) throw new Error('the second run did not reuse the image');
      second.push(again.ms);
    }
    const med = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const firstMs = med(first);
    const secondMs = med(second);

    // (2) the same work by hand: one build with the same four tags (branch, sha, sha-short, content tag), four pushes.
    const byHand = [];
    const action = [];
    for (let i = 0; i < RUNS; i++) {
      change();
      const commit = sha();
      const tags = ['feature', commit, `sha-${commit.slice(0, 7)}`, `ch-${randomBytes(8).toString('hex')}`];
      const started = performance.now();
      docker(
        'build',
        ...tags.flatMap((t) => ['--tag', `${image}:${t}`]),
        '--file',
        join(context, 'Dockerfile'),
        context,
      );
      for (const t of tags) docker('push', `${image}:${t}`);
      byHand.push(performance.now() - started);
      change();
      action.push((await run({ 'skip-existing': 'false' }, env(sha()))).ms);
    }
    const handMs = med(byHand);
    const actionMs = med(action);
    return [
      {
        name: 'build-push-image: unchanged service, second run vs first build',
        value: (secondMs / firstMs).toFixed(3),
        unit: 'x',
        note: `${secondMs.toFixed(0)} ms reused vs ${firstMs.toFixed(0)} ms built (median of ${RUNS})`,
      },
      {
        name: 'build-push-image: action vs docker build + docker push by hand',
        value: (actionMs / handMs).toFixed(2),
        unit: 'x',
        note: `${actionMs.toFixed(0)} ms vs ${handMs.toFixed(0)} ms, overhead ${(actionMs - handMs).toFixed(0)} ms (median of ${RUNS})`,
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
    const refs = execFileSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' })
      .split('\n')
      .filter((r) => r.includes(ns));
    if (refs.length) execFileSync('docker', ['rmi', '-f', ...refs], { stdio: 'ignore' });
  }
}
