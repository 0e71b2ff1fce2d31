/**
 * Incremental pipelines through the local runner (`npm run pipeline -- --change frontend|docs`):
 * the pushed commit changes only the frontend, or only documentation, on top of the example.
 *
 * Frontend only: CI and images build only the frontend (build-push-image is given one service);
 * each environment deploys the frontend; the backend's deploys are no-ops: its task definition
 * family gains no revision, its service keeps its task definition and deployment (read from the ECS
 * emulator before and after), and it still answers what it answered before.
 * Docs only: nothing is affected; no image is built, staging, approval and production are skipped,
 * and every service answers what it answered before.
 *
 * Needs the local infrastructure and built bundles, as test/pipeline.int.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { ROOT } from './harness.js';
import { job, jobLog, onlyJob, PIPELINE_TIMEOUT, pipeline } from './pipeline-run.js';

const ENVS = ['staging', 'production'];

/** One ECS call; a connection reset (the emulator is busy with a just-finished run) is tried again. */
async function ecs(operation: string, body: unknown, attempt = 1): Promise<Record<string, unknown>> {
  try {
    return await ecsOnce(operation, body);
  } catch (error) {
    if (attempt >= 5 || !/fetch failed|EPIPE|ECONNRESET|socket hang up/.test(String((error as Error).message ?? error)))
      throw error;
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    return ecs(operation, body, attempt + 1);
  }
}

async function ecsOnce(operation: string, body: unknown): Promise<Record<string, unknown>> {
  const { endpoint } = JSON.parse(readFileSync(join(ROOT, '.local/emulators/aws.json'), 'utf8')) as {
    endpoint: string;
  };
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AmazonEC2ContainerServiceV20141113.${operation}`,
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=local',
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${operation}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** What a deploy of a service would change: its task definition, its deployments, its family's revisions. */
async function ecsState(service: string): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  for (const env of ENVS) {
    const { services } = (await ecs('DescribeServices', { cluster: 'example', services: [`${service}-${env}`] })) as {
      services: { taskDefinition: string; deployments: { id: string }[] }[];
    };
    const [described] = services;
    if (!described) throw new Error(`${service}-${env}: no such service`);
    const family = described.taskDefinition.replace(/^.*\//, '').replace(/:\d+$/, '');
    const { taskDefinitionArns } = (await ecs('ListTaskDefinitions', { familyPrefix: family })) as {
      taskDefinitionArns: string[];
    };
    state[env] = {
      taskDefinition: described.taskDefinition,
      deployments: described.deployments.map((d) => d.id),
      revisions: taskDefinitionArns,
    };
  }
  return state;
}

/** Whether both environments' services exist (a previous pipeline run made them). */
async function deployedBefore(): Promise<boolean> {
  try {
    for (const service of ['backend', 'frontend']) await ecsState(service);
    return true;
  } catch {
    return false;
  }
}

describe('incremental pipelines (npm run pipeline -- --change ...)', () => {
  beforeAll(() => {
    // An incremental push needs something deployed before it: on a fresh emulator, a full run first.
    return deployedBefore().then((deployed) => {
      if (deployed) return;
      const { status, output } = pipeline('--no-build');
      if (status !== 0) throw new Error(`the full run before the incremental ones failed:\n${output.slice(-10_000)}`);
    });
  }, PIPELINE_TIMEOUT);

  test(
    'a frontend-only commit builds and deploys only the frontend; the backend deploys are no-ops',
    async () => {
      const backendBefore = await ecsState('backend');
      const { status, output, run } = pipeline('--no-build', '--change', 'frontend');
      if (status !== 0) console.log(output.slice(-20_000));
      expect(status).toBe(0);
      expect(run.conclusion).toBe('success');
      expect(run.verdict).toBe('verified');
      // Only the frontend was given to build-push-image, and only its image is in the map.
      expect(jobLog(run, /images \/ images$/)).toMatch(
        /affected: \['frontend'\]; not affected \(not built\): \['backend'\]/,
      );
      const images = JSON.parse(onlyJob(run, /images \/ images$/).outputs.images ?? 'null') as Record<string, string>;
      expect(Object.keys(images)).toEqual(['frontend']);
      for (const env of ENVS) {
        expect(job(run, new RegExp(`${env} / deploy \\((backend|frontend)\\)`)).map((j) => j.result)).toEqual([
          'success',
          'success',
        ]);
        expect(jobLog(run, new RegExp(`${env} / deploy \\(backend\\)`))).toContain('nothing to deploy');
        expect(jobLog(run, new RegExp(`${env} / deploy \\(frontend\\)`))).not.toContain('nothing to deploy');
        expect(run.after[`${env}/frontend`]).toBe(run.sha);
        expect(run.after[`${env}/backend`]).toBe(run.before[`${env}/backend`]);
      }
      expect(await ecsState('backend')).toEqual(backendBefore);
    },
    PIPELINE_TIMEOUT,
  );

  test(
    'a docs-only commit builds no image and deploys nothing',
    async () => {
      const before = { backend: await ecsState('backend'), frontend: await ecsState('frontend') };
      const { status, output, run } = pipeline('--no-build', '--change', 'docs');
      if (status !== 0) console.log(output.slice(-20_000));
      expect(status).toBe(0);
      expect(run.conclusion).toBe('success');
      expect(run.verdict).toBe('verified');
      expect(onlyJob(run, /ci \/ setup$/).outputs['affected-count']).toBe('0');
      const images = onlyJob(run, /images \/ images$/);
      expect(images.result).toBe('success');
      expect(images.outputs.images).toBe('{}');
      expect(images.steps.find((s) => /build-push-image/.test(s.name))?.conclusion).toBe('skipped');
      for (const stage of [/^pipeline \/ staging( \/|$)/, /^pipeline \/ approve$/, /^pipeline \/ production( \/|$)/]) {
        const jobs = job(run, stage);
        expect(jobs.length).toBeGreaterThan(0);
        expect(jobs.every((j) => j.result === 'skipped')).toBe(true);
      }
      expect(run.after).toEqual(run.before);
      expect({ backend: await ecsState('backend'), frontend: await ecsState('frontend') }).toEqual(before);
    },
    PIPELINE_TIMEOUT,
  );
});
