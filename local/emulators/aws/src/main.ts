/**
 * Command line of the AWS emulator (bundled by ../start.mjs). Writes `<state-dir>/aws.json`
 * (pid, port, endpoint) while it runs and removes it, and every container it started, on exit.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.AWS_EMULATOR_PORT ?? '4566' },
    host: { type: 'string', default: '127.0.0.1' },
    region: { type: 'string', default: 'us-east-1' },
    'tick-ms': { type: 'string', default: '1000' },
    'host-ports': { type: 'string', default: '20000-29999' },
    'health-interval-cap-ms': { type: 'string', default: '5000' },
    registry: { type: 'string', default: 'http://localhost:5000' },
    // ECS timing profile of clusters without an emulator:profile tag (src/ecs/timing.ts): realistic,
    // or fast when started by a test (JEST_WORKER_ID), unless given here or in the environment.
    'ecs-profile': {
      type: 'string',
      default: process.env.AWS_EMULATOR_ECS_PROFILE ?? (process.env.JEST_WORKER_ID ? 'fast' : 'realistic'),
    },
    'ecs-time-scale': { type: 'string', default: process.env.AWS_EMULATOR_ECS_TIME_SCALE ?? '1' },
    'state-dir': { type: 'string', default: join(process.cwd(), '.local/emulators') },
  },
});

const [low, high] = values['host-ports'].split('-').map(Number);
if (!low || !high || low > high) throw new Error(`--host-ports: expected LOW-HIGH, got ${values['host-ports']}`);
if (!['fast', 'realistic'].includes(values['ecs-profile'])) {
  throw new Error(`--ecs-profile: "${values['ecs-profile']}" is not a profile; expected fast or realistic`);
}
const scale = Number(values['ecs-time-scale']);
if (!(scale > 0 && scale <= 100)) {
  throw new Error(
    `--ecs-time-scale: "${values['ecs-time-scale']}" is not a factor; expected a number above 0, at most 100`,
  );
}
process.env.AWS_EMULATOR_ECS_PROFILE = values['ecs-profile'];
process.env.AWS_EMULATOR_ECS_TIME_SCALE = String(scale);
const emulator = await startEmulator({
  port: Number(values.port),
  host: values.host,
  region: values.region,
  tickMs: Number(values['tick-ms']),
  hostPortRange: [low, high],
  healthIntervalCapMs: Number(values['health-interval-cap-ms']),
  registry: values.registry,
});
const stateDir = values['state-dir'];
mkdirSync(stateDir, { recursive: true });
const stateFile = join(stateDir, 'aws.json');
writeFileSync(stateFile, `${JSON.stringify({ pid: process.pid, port: emulator.port, endpoint: emulator.endpoint })}\n`);
writeFileSync(join(stateDir, 'aws.pid'), `${process.pid}\n`);
console.log(
  `[aws-emulator] listening on ${emulator.endpoint} (pid ${process.pid}, tick ${values['tick-ms']}ms, ECS timing ${values['ecs-profile']} x${scale})`,
);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`[aws-emulator] ${signal}: removing containers and stopping`);
  await emulator.stop().catch((error) => console.error(error));
  rmSync(stateFile, { force: true });
  rmSync(join(stateDir, 'aws.pid'), { force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
