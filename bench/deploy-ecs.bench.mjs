// deploy-ecs and the AWS emulator, under the emulator's realistic ECS timing (cluster tag
// emulator:profile=realistic: provisioning, image pull, the scheduler's relaunch pace): seconds from
// the first failed task to the step failing (a crash-looping image) and the ECS API calls it made;
// what the services-stable waiter (what the popular ECS deploy action waits on) answers for the same
// crash loop behind a circuit breaker with rollback, and how long it takes; ECS API calls per minute
// of waiting (a good deploy); the emulator's request throughput (DescribeServices, 16 concurrent
// clients). Runs an in-process emulator with real containers; needs the local infrastructure
// (bash local/infra/infra.sh up).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

async function loadEmulator(root) {
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(join(root, '.local', 'bench-aws-'));
  const outfile = join(dir, 'emulator.mjs');
  await esbuild.build({
    stdin: {
      contents: `export { startEmulator } from './local/emulators/aws/src/server.ts';
        export { testImages, HEALTH_CHECK } from './local/emulators/aws/testing/images.ts';`,
      resolveDir: root,
      loader: 'ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
  });
  const module = await import(pathToFileURL(outfile).href);
  rmSync(dir, { recursive: true, force: true });
  return module;
}

export default async function (ctx) {
  const { startEmulator, testImages, HEALTH_CHECK } = await loadEmulator(ctx.root);
  const [emulator, images] = await Promise.all([
    startEmulator({ port: 0, tickMs: 200, healthIntervalCapMs: 500, hostPortRange: [32300, 32399] }),
    testImages(),
  ]);
  const ecs = async (operation, input) => {
    const res = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': `AmazonEC2ContainerServiceV20141113.${operation}`,
        'content-type': 'application/x-amz-json-1.1',
        authorization: 'AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/ecs/aws4_request',
      },
      body: JSON.stringify(input),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`${operation}: ${body.__type}: ${body.message}`);
    return body;
  };
  const stats = async () => (await fetch(`${emulator.endpoint}/_emulator/stats`)).json();
  const workspace = mkdtempSync(join(tmpdir(), 'bench-deploy-ecs-'));
  const env = {
    AWS_ENDPOINT_URL_ECS: emulator.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    GITHUB_WORKSPACE: workspace,
  };
  const cluster = 'bench-realistic';
  await ecs('CreateCluster', { clusterName: cluster, tags: [{ key: 'emulator:profile', value: 'realistic' }] });
  const service = async (name, deploymentConfiguration) => {
    const { taskDefinition } = await ecs('RegisterTaskDefinition', {
      family: name,
      containerDefinitions: [
        { name: 'app', image: images.v1, portMappings: [{ containerPort: 8080 }], healthCheck: HEALTH_CHECK },
      ],
    });
    await ecs('CreateService', {
      cluster,
      serviceName: name,
      taskDefinition: taskDefinition.taskDefinitionArn,
      desiredCount: 1,
      deploymentConfiguration,
    });
    for (;;) {
      const { services } = await ecs('DescribeServices', { cluster, services: [name] });
      if (services[0].deployments.length === 1 && services[0].deployments[0].rolloutState === 'COMPLETED') return;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const dir = join(ctx.root, 'actions/deploy-ecs');
  const rows = [];
  try {
    // 1. A crash-looping image: the step fails after max-failed-tasks (2) consecutive failed tasks.
    await service('bench-crash');
    await fetch(`${emulator.endpoint}/_emulator/stats/reset`, { method: 'POST' });
    const started = Date.now();
    const crash = await ctx.runAction(
      dir,
      { cluster, service: 'bench-crash', 'container-images': `app=${images.crash}`, timeout: '15m' },
      env,
    );
    const ended = Date.now();
    const crashCalls = (await stats()).total;
    const { taskArns } = await ecs('ListTasks', { cluster, serviceName: 'bench-crash', desiredStatus: 'STOPPED' });
    const { tasks } = await ecs('DescribeTasks', { cluster, tasks: taskArns });
    const firstFailure = Math.min(
      ...tasks.filter((t) => t.stopCode === 'EssentialContainerExited').map((t) => t.stoppedAt * 1000),
    );
    rows.push({
      name: 'deploy-ecs: first failed task -> step failed (crash loop, realistic timing, poll 10s, max-failed-tasks 2)',
      value: ((ended - firstFailure) / 1000).toFixed(1),
      unit: 's',
      note: `exit ${crash.exitCode}, ${((ended - started) / 1000).toFixed(0)}s from the update, ${crashCalls} ECS API calls; without a circuit breaker the services-stable waiter only gives up at its max wait (aws ecs wait services-stable: 40 x 15 s)`,
    });

    // 2. The same crash loop behind a circuit breaker with rollback, followed by the SDK's
    // services-stable waiter: it answers once the rollback is stable, i.e. "stable" for a failed deploy.
    await service('bench-waiter', { deploymentCircuitBreaker: { enable: true, rollback: true } });
    const { ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand, waitUntilServicesStable } = await import(
      '@aws-sdk/client-ecs'
    );
    const client = new ECSClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      const { taskDefinition: bad } = await client.send(
        new RegisterTaskDefinitionCommand({
          family: 'bench-waiter',
          containerDefinitions: [{ name: 'app', image: images.crash, portMappings: [{ containerPort: 8080 }] }],
        }),
      );
      const waitStarted = Date.now();
      await client.send(
        new UpdateServiceCommand({ cluster, service: 'bench-waiter', taskDefinition: bad.taskDefinitionArn }),
      );
      const waited = await waitUntilServicesStable(
        { client, maxWaitTime: 900, minDelay: 15, maxDelay: 15 },
        { cluster, services: ['bench-waiter'] },
      ).catch((error) => ({ state: error.name ?? 'ERROR' }));
      const { services } = await ecs('DescribeServices', { cluster, services: ['bench-waiter'] });
      rows.push({
        name: 'services-stable waiter: the same crash loop with circuit breaker + rollback',
        value: ((Date.now() - waitStarted) / 1000).toFixed(1),
        unit: 's',
        note: `waiter ${waited.state}; the service runs ${services[0].taskDefinition.split('/').pop()} (the deploy failed and was rolled back)`,
      });
    } finally {
      client.destroy();
    }

    // 3. A good deploy: ECS API calls per minute of waiting.
    await service('bench-good');
    await fetch(`${emulator.endpoint}/_emulator/stats/reset`, { method: 'POST' });
    const good = await ctx.runAction(
      dir,
      { cluster, service: 'bench-good', 'container-images': `app=${images.v2}`, 'poll-interval': '2s' },
      env,
    );
    const calls = (await stats()).total;
    const minutes = good.ms / 60_000;
    rows.push({
      name: 'deploy-ecs: ECS API calls per minute of a run (good deploy, poll 2s)',
      value: (calls / minutes).toFixed(1),
      unit: 'calls/min',
      note: `${calls} calls in ${(good.ms / 1000).toFixed(1)}s, exit ${good.exitCode}`,
    });

    // 4. Emulator throughput: DescribeServices, 16 concurrent clients, 2 seconds.
    let done = 0;
    const until = performance.now() + 2000;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (performance.now() < until) {
          await ecs('DescribeServices', { cluster, services: ['bench-good'] });
          done++;
        }
      }),
    );
    rows.push({
      name: 'aws emulator: DescribeServices throughput (16 clients)',
      value: (done / 2).toFixed(0),
      unit: 'req/s',
    });
  } finally {
    await emulator.stop();
    rmSync(workspace, { recursive: true, force: true });
  }
  return rows;
}
