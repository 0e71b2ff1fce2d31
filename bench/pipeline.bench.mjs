// The whole pipeline's wall time, split by stage, and where it goes: the suite's own code versus
// docker, pnpm, Prisma and waiting. Runs `npm run pipeline --approve-as alice --no-build --quiet`
// once (a few minutes) and reads the run's report.json; then the two incremental pushes
// (`--change frontend`, `--change docs`) and prints the wall time of each ÷ the full run's.
//
// Attribution is by step (coarse, measured within this one run): run: steps are pnpm/turbo;
// setup-monorepo is pnpm (install, caches); build-push-image is docker; prisma-migrate is Prisma;
// deploy-ecs, smoke-test and approve-gate are waiting (rollouts, checks, the approval); job time
// outside any step plus checkout/configure-aws replacements is the runner; the rest of the run
// (bootstrap) is the suite's own code.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const CATEGORY = [
  [/setup-monorepo/, 'pnpm'],
  [/build-push-image/, 'docker'],
  [/prisma-migrate/, 'prisma'],
  [/deploy-ecs|smoke-test|approve-gate/, 'waiting'],
];

/** One `npm run pipeline` run: its wall time, exit status and last-run.json. */
function runPipeline(ctx, ...extra) {
  const started = Date.now();
  const child = spawnSync(
    ctx.node24,
    [join(ctx.root, 'local/pipeline.mjs'), '--approve-as', 'alice', '--no-build', '--quiet', ...extra],
    { cwd: ctx.root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const wallMs = Date.now() - started;
  const last = JSON.parse(readFileSync(join(ctx.root, '.local/pipeline/last-run.json'), 'utf8'));
  return { wallMs, status: child.status, last };
}

export default async function pipelineBench(ctx) {
  const { wallMs, status, last } = runPipeline(ctx);
  const report = JSON.parse(readFileSync(join(dirname(last.report), 'report.json'), 'utf8'));
  const rows = [
    {
      name: 'pipeline: wall time',
      value: wallMs,
      unit: 'ms',
      note: `run ${report.conclusion}, ${last.verdict} (exit ${status})`,
    },
    { name: 'pipeline: workflow run', value: report.durationMs, unit: 'ms' },
  ];
  const buckets = { suite: 0, runner: 0, pnpm: 0, docker: 0, prisma: 0, waiting: 0 };
  for (const job of report.jobs) {
    if (!job.steps.length) continue;
    let inSteps = 0;
    for (const step of job.steps) {
      inSteps += step.durationMs;
      const category =
        step.kind === 'run'
          ? 'pnpm'
          : step.kind === 'replacement'
            ? 'runner'
            : (CATEGORY.find(([re]) => re.test(step.uses ?? ''))?.[1] ?? 'suite');
      buckets[category] += step.durationMs;
    }
    buckets.runner += Math.max(0, job.durationMs - inSteps);
  }
  // A stage (pipeline / <stage> / job) lasts from its first job's start to its last job's end.
  for (const stage of new Set(report.jobs.map((j) => j.key.split(' / ')[1]).filter(Boolean))) {
    const jobs = report.jobs.filter((j) => j.key.split(' / ')[1] === stage && j.startedAt);
    if (!jobs.length) continue;
    const first = Math.min(...jobs.map((j) => j.startedAt));
    const end = Math.max(...jobs.map((j) => j.startedAt + j.durationMs));
    rows.push({
      name: `pipeline stage: ${stage}`,
      value: end - first,
      unit: 'ms',
      note: jobs.map((j) => j.result).join(','),
    });
  }
  buckets.suite += Math.max(0, wallMs - report.durationMs); // bootstrap, checkout, emulators, report
  const total = Object.values(buckets).reduce((a, b) => a + b, 0) || 1;
  for (const [name, ms] of Object.entries(buckets)) {
    rows.push({
      name: `pipeline share: ${name}`,
      value: Number((ms / total).toFixed(3)),
      unit: 'x',
      note: `${(ms / 1000).toFixed(1)} s of job/step time (parallel jobs counted each)`,
    });
  }
  // Incremental pushes on top of the example (the full run above is their "before").
  for (const change of ['frontend', 'docs']) {
    const incremental = runPipeline(ctx, '--change', change);
    rows.push({
      name: `pipeline incremental (${change} only) ÷ full run`,
      value: Number((incremental.wallMs / wallMs).toFixed(3)),
      unit: 'x',
      note: `${(incremental.wallMs / 1000).toFixed(1)} s vs ${(wallMs / 1000).toFixed(1)} s wall; run ${incremental.last.conclusion}, ${incremental.last.verdict} (exit ${incremental.status})`,
    });
  }
  return rows;
}
