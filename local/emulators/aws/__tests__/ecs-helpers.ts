/**
 * What the ECS emulator's own tests share: an in-process emulator on the fast profile, an SDK
 * client, polling, and a "launch control" HTTP server the test containers ask at start whether to
 * crash or serve (they run on the host network), so a test can script which launches fail.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ContainerDefinition,
  CreateClusterCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { type AwsEmulator, startEmulator } from '../src/server.js';

export const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy' };

export async function emulatorWithClient(
  hostPortRange: [number, number],
): Promise<{ emulator: AwsEmulator; ecs: ECSClient }> {
  const emulator = await startEmulator({ port: 0, tickMs: 200, healthIntervalCapMs: 500, hostPortRange });
  const ecs = new ECSClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials, maxAttempts: 5 });
  return { emulator, ecs };
}

/** A cluster on the given timing profile (the emulator-only tags of src/ecs/timing.ts). */
export async function cluster(ecs: ECSClient, name: string, profile = 'fast', scale?: number): Promise<string> {
  const tags = [{ key: 'emulator:profile', value: profile }];
  if (scale !== undefined) tags.push({ key: 'emulator:time-scale', value: String(scale) });
  await ecs.send(new CreateClusterCommand({ clusterName: name, tags }));
  return name;
}

/** Polls until `check` returns a value (real time: the emulator runs real containers). */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const describeService = async (ecs: ECSClient, clusterName: string, name: string): Promise<Service> =>
  (await ecs.send(new DescribeServicesCommand({ cluster: clusterName, services: [name] }))).services![0]!;

export async function tasksOf(
  ecs: ECSClient,
  clusterName: string,
  name: string,
  desiredStatus: 'RUNNING' | 'STOPPED',
): Promise<Task[]> {
  const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: clusterName, serviceName: name, desiredStatus }));
  if (!taskArns?.length) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster: clusterName, tasks: taskArns }))).tasks ?? [];
}

/** The container the tests run: asks the launch control what to be, then serves on $PORT (or crashes). */
const SCRIPT = `const http = require('node:http');
const ask = process.env.CONTROL ? fetch(process.env.CONTROL).then((r) => r.text()) : Promise.resolve(process.env.MODE || 'serve');
ask.then((mode) => {
  if (mode === 'crash') { console.error('scripted crash'); process.exit(5); }
  http.createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT || 8080));
  if (mode.startsWith('exit-after-')) setTimeout(() => process.exit(4), Number(mode.slice(11)));
  process.on('SIGTERM', () => process.exit(0));
});`;

/** A container definition of the base image running SCRIPT; `environment` picks its behaviour. */
export function scripted(image: string, environment: Record<string, string>, extra: Partial<ContainerDefinition> = {}) {
  return {
    name: 'app',
    image,
    essential: true,
    entryPoint: ['node', '-e', SCRIPT],
    portMappings: [{ containerPort: 8080 }],
    environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
    ...extra,
  };
}

/** Answers each GET /<scenario> with the next mode of that scenario's script (the last one repeats). */
export class LaunchControl {
  private readonly scripts = new Map<string, string[]>();
  readonly asked = new Map<string, number>();
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const scenario = (req.url ?? '/').slice(1);
      const modes = this.scripts.get(scenario) ?? ['serve'];
      const n = this.asked.get(scenario) ?? 0;
      this.asked.set(scenario, n + 1);
      res.end(modes[Math.min(n, modes.length - 1)]);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  url(scenario: string, modes: string[]): string {
    this.scripts.set(scenario, modes);
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/${scenario}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
