/**
 * One-off tasks (RunTask) in the emulator, as real containers: overrides, count, awsvpc, exit codes
 * to STOPPED, StopTask; the awslogs driver (container output read back with the unmodified
 * CloudWatch Logs client); secrets injected from Secrets Manager (json-key form) and SSM, and the
 * ECS stopped reasons when a secret or a log group is missing. Every ECS and Logs exchange is
 * validated against AWS's models.
 */
import { CloudWatchLogsClient, CreateLogGroupCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type AwsEmulator, startEmulator } from '../src/server.js';
import { checkError, checkOutput, type ServiceName } from '../testing/aws-model.js';
import { BASE_IMAGE } from '../testing/images.js';
import { recordingHandler } from '../testing/recorder.js';
import { awsCli } from './awslogs-cli.js';
import { cluster, credentials, until } from './ecs-helpers.js';

let emulator: AwsEmulator;
let ecs: ECSClient;
let logs: CloudWatchLogsClient;
const { handler, exchanges } = recordingHandler();
const CLUSTER = 'one-off';
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d'], securityGroups: ['sg-0a1b2c3d'] } };

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, tickMs: 200 });
  const config = {
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials,
    requestHandler: handler,
    maxAttempts: 1,
  };
  ecs = new ECSClient(config);
  logs = new CloudWatchLogsClient(config);
  await cluster(ecs, CLUSTER);
  emulator.secrets.put('prod/db', JSON.stringify({ url: 'postgres://app:s3cret@db:5432/app', user: 'app' }));
  emulator.ssm.put('/prod/flag', 'on', 'SecureString');
}, 120_000);

afterAll(async () => {
  ecs?.destroy();
  logs?.destroy();
  await emulator?.stop();
});

/** A node container that prints what it got and exits with $EXIT_CODE. */
const SCRIPT = `console.log('url=' + process.env.DATABASE_URL);
console.log('flag=' + process.env.FLAG + ' mode=' + process.env.MODE);
console.error('argv=' + process.argv.slice(1).join(','));
setTimeout(() => process.exit(Number(process.env.EXIT_CODE || 0)), Number(process.env.SLEEP_MS || 0));`;

async function register(family: string, extra: Record<string, unknown> = {}, options: Record<string, string> = {}) {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'app',
          image: BASE_IMAGE,
          essential: true,
          entryPoint: ['node', '-e', SCRIPT],
          environment: [{ name: 'MODE', value: 'default' }],
          secrets: [
            { name: 'DATABASE_URL', valueFrom: secretArn('prod/db', 'url') },
            { name: 'FLAG', valueFrom: '/prod/flag' },
          ],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': `/ecs/${family}`,
              'awslogs-region': 'us-east-1',
              'awslogs-stream-prefix': 'one-off',
              'awslogs-create-group': 'true',
              ...options,
            },
          },
          ...extra,
        },
      ],
    }),
  );
  return taskDefinition!.taskDefinitionArn!;
}

function secretArn(name: string, jsonKey?: string): string {
  const arn = emulator.secrets.handle('DescribeSecret', { SecretId: name }).ARN as string;
  return jsonKey ? `${arn}:${jsonKey}::` : arn;
}

const stopped = (arn: string): Promise<Task> =>
  until(
    `task ${arn} STOPPED`,
    async () => {
      const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }));
      return tasks?.[0]?.lastStatus === 'STOPPED' ? tasks[0] : undefined;
    },
    90_000,
  );

const logLines = (group: string, stream: string, expected: number) =>
  until(`${expected} events in ${group} ${stream}`, async () => {
    const { events } = await logs
      .send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }))
      .catch(() => ({ events: [] }));
    return (events?.length ?? 0) >= expected ? events!.map((e) => e.message) : undefined;
  });

describe('RunTask', () => {
  test('overrides, count 2, secrets (json key, SSM) injected, output in CloudWatch Logs, exit 0 to STOPPED', async () => {
    const td = await register('migrate');
    const run = await ecs.send(
      new RunTaskCommand({
        cluster: CLUSTER,
        taskDefinition: 'migrate',
        count: 2,
        startedBy: 'prisma-migrate',
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
        overrides: {
          containerOverrides: [
            { name: 'app', command: ['deploy', '--schema', 'x'], environment: [{ name: 'MODE', value: 'migrate' }] },
          ],
        },
      }),
    );
    expect(run.failures).toEqual([]);
    expect(run.tasks).toHaveLength(2);
    const [first] = run.tasks!;
    expect(first).toMatchObject({
      taskDefinitionArn: td,
      group: 'family:migrate',
      startedBy: 'prisma-migrate',
      launchType: 'FARGATE',
    });
    expect(first!.attachments?.[0]?.type).toBe('ElasticNetworkInterface');
    expect(first!.overrides?.containerOverrides?.[0]?.command).toEqual(['deploy', '--schema', 'x']);
    const listed = await ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: 'prisma-migrate' }));
    expect(listed.taskArns?.length).toBeGreaterThan(0);

    for (const task of run.tasks!) {
      const done = await stopped(task.taskArn!);
      expect(done.stoppedReason).toBe('Essential container in task exited');
      expect(done.stopCode).toBe('EssentialContainerExited');
      expect(done.containers?.[0]?.exitCode).toBe(0);
      const id = task.taskArn!.split('/').at(-1)!;
      const lines = await logLines('/ecs/migrate', `one-off/app/${id}`, 3);
      expect(lines).toEqual(
        expect.arrayContaining([
          'url=postgres://app:s3cret@db:5432/app',
          'flag=on mode=migrate',
          'argv=deploy,--schema,x',
        ]),
      );
    }
  }, 180_000);

  test('aws ecs run-task with a capacity provider strategy; its output read with aws logs get-log-events', async () => {
    await register('cli');
    const run = await awsCli(emulator.endpoint, [
      'ecs',
      'run-task',
      '--cluster',
      CLUSTER,
      '--task-definition',
      'cli',
      '--capacity-provider-strategy',
      'capacityProvider=FARGATE,weight=1',
      'capacityProvider=FARGATE_SPOT,weight=3',
      '--network-configuration',
      JSON.stringify(NETWORK),
      '--overrides',
      JSON.stringify({ containerOverrides: [{ name: 'app', command: ['from-cli'] }] }),
      '--started-by',
      'cli',
    ]);
    expect(run.stderr).toBe('');
    const [task] = JSON.parse(run.stdout).tasks;
    expect(task.capacityProviderName).toBe('FARGATE_SPOT');
    expect(task.launchType).toBeUndefined();
    expect((await stopped(task.taskArn)).containers?.[0]?.exitCode).toBe(0);
    const stream = `one-off/app/${task.taskArn.split('/').at(-1)}`;
    await logLines('/ecs/cli', stream, 3);
    const got = await awsCli(emulator.endpoint, [
      'logs',
      'get-log-events',
      '--log-group-name',
      '/ecs/cli',
      '--log-stream-name',
      stream,
      '--start-from-head',
    ]);
    expect(JSON.parse(got.stdout).events.map((e: { message: string }) => e.message)).toContain('argv=from-cli');
  }, 120_000);

  test('a failing one-off task reports its real exit code', async () => {
    await register('backfill', { environment: [{ name: 'EXIT_CODE', value: '3' }] });
    const run = await ecs.send(
      new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'backfill', networkConfiguration: NETWORK }),
    );
    const done = await stopped(run.tasks![0]!.taskArn!);
    expect(done.containers?.[0]?.exitCode).toBe(3);
    expect(done.stoppedReason).toBe('Essential container in task exited');
  }, 120_000);

  test('StopTask ends a running one-off task with its reason and the exit code after SIGTERM', async () => {
    await register('long', { environment: [{ name: 'SLEEP_MS', value: '600000' }], stopTimeout: 2 });
    const run = await ecs.send(
      new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'long', networkConfiguration: NETWORK }),
    );
    const arn = run.tasks![0]!.taskArn!;
    await until('RUNNING', async () => {
      const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }));
      return tasks?.[0]?.lastStatus === 'RUNNING' ? true : undefined;
    });
    const stopAt = Date.now();
    await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: arn, reason: 'cancelled by the workflow' }));
    const done = await stopped(arn);
    expect(done.stoppedReason).toBe('cancelled by the workflow');
    expect(done.stopCode).toBe('UserInitiated');
    // node is PID 1 without a SIGTERM handler, so SIGTERM does nothing (PID 1 has no default
    // action): SIGKILL after stopTimeout, 128 + 9, as on ECS without `initProcessEnabled`.
    expect(done.containers?.[0]?.exitCode).toBe(137);
    expect(Date.now() - stopAt).toBeGreaterThanOrEqual(900); // stopTimeout 2 s under the fast profile: 1 s
  }, 120_000);

  test('a missing secret fails the task before it starts, as ECS words it', async () => {
    await register('nosecret', {
      secrets: [
        { name: 'DATABASE_URL', valueFrom: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/missing-AbCdEf' },
      ],
    });
    const run = await ecs.send(
      new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'nosecret', networkConfiguration: NETWORK }),
    );
    const done = await stopped(run.tasks![0]!.taskArn!);
    expect(done.stopCode).toBe('TaskFailedToStart');
    expect(done.stoppedReason).toBe(
      "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/missing-AbCdEf from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.",
    );
    expect(done.containers?.[0]?.exitCode).toBeUndefined();

    await register('noparam', { secrets: [{ name: 'FLAG', valueFrom: '/prod/missing' }] });
    const ssm = await ecs.send(
      new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'noparam', networkConfiguration: NETWORK }),
    );
    expect((await stopped(ssm.tasks![0]!.taskArn!)).stoppedReason).toMatch(
      /unable to retrieve secrets from ssm: .*invalid ssm parameters: \/prod\/missing$/,
    );
  }, 120_000);

  test('awslogs without awslogs-create-group needs the group: ResourceInitializationError, then it works once created', async () => {
    await register('nogroup', {}, { 'awslogs-create-group': 'false' });
    const run = await ecs.send(
      new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'nogroup', networkConfiguration: NETWORK }),
    );
    const done = await stopped(run.tasks![0]!.taskArn!);
    expect(done.stopCode).toBe('TaskFailedToStart');
    expect(done.stoppedReason).toMatch(
      /^ResourceInitializationError: failed to validate logger args: .*ResourceNotFoundException: The specified log group does not exist\./,
    );
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/nogroup' }));
    const again = await ecs.send(
      new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'nogroup', networkConfiguration: NETWORK }),
    );
    expect((await stopped(again.tasks![0]!.taskArn!)).containers?.[0]?.exitCode).toBe(0);
  }, 120_000);

  test('bad input is refused before anything runs', async () => {
    await register('checked');
    await expect(ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'checked' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    });
    await expect(
      ecs.send(
        new RunTaskCommand({
          cluster: CLUSTER,
          taskDefinition: 'checked',
          networkConfiguration: NETWORK,
          overrides: { containerOverrides: [{ name: 'web', command: ['x'] }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('named web') });
    await expect(
      ecs.send(
        new RunTaskCommand({
          cluster: CLUSTER,
          taskDefinition: 'checked',
          networkConfiguration: NETWORK,
          launchType: 'EC2',
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Task definition does not support launch_type EC2.',
    });
    await expect(
      ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'nope', networkConfiguration: NETWORK })),
    ).rejects.toMatchObject({ name: 'ClientException', message: 'Unable to describe task definition.' });
    await expect(
      ecs.send(
        new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'checked', networkConfiguration: NETWORK, count: 11 }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const { taskArns } = await ecs.send(
      new ListTasksCommand({ cluster: CLUSTER, family: 'checked', desiredStatus: 'STOPPED' }),
    );
    const running = await ecs.send(new ListTasksCommand({ cluster: CLUSTER, family: 'checked' }));
    expect([...(taskArns ?? []), ...(running.taskArns ?? [])]).toEqual([]);
  });

  test('every RunTask, DescribeTasks, StopTask and Logs exchange conforms to the models', () => {
    const SERVICE_OF: Record<string, ServiceName> = {
      AmazonEC2ContainerServiceV20141113: 'ecs',
      Logs_20140328: 'logs',
    };
    const checked = exchanges.filter((e) =>
      ['RunTask', 'DescribeTasks', 'StopTask', 'GetLogEvents', 'CreateLogGroup'].includes(e.operation),
    );
    expect(checked.filter((e) => e.operation === 'RunTask' && e.status === 200).length).toBeGreaterThanOrEqual(6);
    expect(checked.some((e) => e.operation === 'RunTask' && e.status !== 200)).toBe(true);
    const problems = checked.flatMap((e) => {
      const service = SERVICE_OF[e.target.split('.')[0]!]!;
      return (
        e.status === 200
          ? checkOutput(service, e.operation, e.response)
          : checkError(service, e.operation, e.status, e.response)
      ).map((p) => `${e.operation} ${e.status}: ${p}`);
    });
    expect(problems).toEqual([]);
  });
});
