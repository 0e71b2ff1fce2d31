/**
 * The timing profile changes how long ECS takes, never what it decides: the scenarios deploy-ecs
 * judges (a good deploy, a crash loop that trips the circuit breaker, a breaker rollback) run on a
 * `fast` cluster and on a `realistic` x0.25 cluster at once, and end the same way on both.
 */
import {
  CreateServiceCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { AwsEmulator } from '../src/server.js';
import { HEALTH_CHECK, type TestImage, testImages } from '../testing/images.js';
import { cluster, describeService, emulatorWithClient, tasksOf, until } from './ecs-helpers.js';

let emulator: AwsEmulator;
let ecs: ECSClient;
let images: Record<TestImage, string>;

beforeAll(async () => {
  [{ emulator, ecs }, images] = await Promise.all([emulatorWithClient([32750, 32799]), testImages()]);
}, 300_000);

afterAll(async () => {
  ecs?.destroy();
  await emulator?.stop();
});

type Scenario = 'good' | 'crash' | 'rollback';
const SCENARIOS: Record<Scenario, { image: TestImage; rollback?: boolean }> = {
  good: { image: 'v2' },
  crash: { image: 'crash', rollback: false },
  rollback: { image: 'crash', rollback: true },
};

/** What deploy-ecs decides from: states, ids, counts, reasons, exit codes and the kinds of events. */
interface Outcome {
  followed: string;
  primaryIsFollowed: boolean;
  primaryIsFirst: boolean;
  primaryState: string;
  deployments: number;
  failedTasks: number;
  taskDefinitionRevision: string;
  stoppedReasons: string[];
  exitCodes: number[];
  events: string[];
}

const normalise = (message: string) =>
  message
    .replace(/ecs-svc\/\d+/g, 'ecs-svc/N')
    .replace(/\(task [0-9a-f]+\)( )?/g, '')
    .replace(/has (started|stopped) \d+/, 'has $1 N');

async function run(clusterName: string, scenario: Scenario): Promise<{ outcome: Outcome; ms: number }> {
  const name = `p-${scenario}`;
  const spec = SCENARIOS[scenario];
  const register = async (image: string) =>
    (
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: `${clusterName}-${name}`,
          containerDefinitions: [
            { name: 'app', image, portMappings: [{ containerPort: 8080 }], healthCheck: HEALTH_CHECK },
          ],
        }),
      )
    ).taskDefinition!.taskDefinitionArn!;
  await ecs.send(
    new CreateServiceCommand({
      cluster: clusterName,
      serviceName: name,
      taskDefinition: await register(images.v1),
      desiredCount: 1,
      deploymentConfiguration: {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: spec.rollback !== undefined, rollback: spec.rollback ?? false },
      },
    }),
  );
  const first = await until(
    `${clusterName}/${name} v1`,
    async () => {
      const s = await describeService(ecs, clusterName, name);
      return s.deployments?.length === 1 && s.deployments[0]!.rolloutState === 'COMPLETED' ? s : undefined;
    },
    120_000,
  );
  const started = Date.now();
  const updated = await ecs.send(
    new UpdateServiceCommand({
      cluster: clusterName,
      service: name,
      taskDefinition: await register(images[spec.image]),
    }),
  );
  const followed = updated.service!.deployments![0]!.id!;
  // The end of each scenario: the followed deployment COMPLETED, FAILED, or the service back COMPLETED.
  const end = await until(
    `${clusterName}/${name} end`,
    async () => {
      const s = await describeService(ecs, clusterName, name);
      const d = s.deployments!.find((x) => x.id === followed);
      if (scenario === 'good') return d?.rolloutState === 'COMPLETED' && s.deployments!.length === 1 ? s : undefined;
      if (scenario === 'crash') return d?.rolloutState === 'FAILED' ? s : undefined;
      return s.deployments![0]!.id !== followed && s.deployments![0]!.rolloutState === 'COMPLETED' ? s : undefined;
    },
    240_000,
  );
  const ms = Date.now() - started;
  const failedOfFollowed = end.deployments!.find((d) => d.id === followed)?.failedTasks ?? -1;
  const stopped = await tasksOf(ecs, clusterName, name, 'STOPPED');
  const ofFollowed = stopped.filter((t) => t.startedBy === followed);
  return {
    ms,
    outcome: {
      followed: normalise(followed),
      primaryIsFollowed: end.deployments![0]!.id === followed,
      primaryIsFirst: end.deployments![0]!.id === first.deployments![0]!.id,
      primaryState: end.deployments![0]!.rolloutState!,
      deployments: end.deployments!.length,
      failedTasks: failedOfFollowed,
      taskDefinitionRevision: end.taskDefinition!.slice(end.taskDefinition!.lastIndexOf(':') + 1),
      stoppedReasons: [...new Set(stopped.map((t) => normalise(t.stoppedReason ?? '')))].sort(),
      exitCodes: [...new Set(ofFollowed.map((t) => t.containers![0]!.exitCode!))].sort(),
      events: [...new Set(end.events!.map((e) => normalise(e.message!)))].sort(),
    },
  };
}

test('good deploy, crash loop tripping the breaker and breaker rollback decide the same under fast and realistic x0.25', async () => {
  const fast = await cluster(ecs, 'prof-fast', 'fast');
  const slow = await cluster(ecs, 'prof-real', 'realistic', 0.25);
  const scenarios = Object.keys(SCENARIOS) as Scenario[];
  const results = await Promise.all(
    [fast, slow].flatMap((c) => scenarios.map(async (s) => ({ cluster: c, scenario: s, ...(await run(c, s)) }))),
  );
  for (const scenario of scenarios) {
    const [a, b] = [fast, slow].map((c) => results.find((r) => r.cluster === c && r.scenario === scenario)!);
    expect({ scenario, ...b!.outcome }).toEqual({ scenario, ...a!.outcome });
  }
  const byScenario = Object.fromEntries(results.map((r) => [`${r.cluster}/${r.scenario}`, r.outcome]));
  expect(byScenario['prof-fast/good']).toMatchObject({ primaryIsFollowed: true, primaryState: 'COMPLETED' });
  expect(byScenario['prof-fast/crash']).toMatchObject({
    primaryIsFollowed: true,
    primaryState: 'FAILED',
    failedTasks: 3,
  });
  expect(byScenario['prof-fast/rollback']).toMatchObject({
    primaryIsFirst: true,
    primaryState: 'COMPLETED',
    deployments: 1,
  });
  // Durations are figures for the README, not assertions (no wall-clock assertions in tests).
  console.log(results.map((r) => `${r.cluster}/${r.scenario}: ${(r.ms / 1000).toFixed(1)} s`).join('\n'));
}, 600_000);
