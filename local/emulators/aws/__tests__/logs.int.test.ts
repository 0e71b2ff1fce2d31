/**
 * CloudWatch Logs in the emulator, driven by the unmodified `@aws-sdk/client-cloudwatch-logs` and
 * by `aws logs --endpoint-url`; every raw request and response validated against the Logs model.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type AwsEmulator, startEmulator } from '../src/server.js';
import { checkError, checkInput, checkOutput } from '../testing/aws-model.js';
import { recordingHandler } from '../testing/recorder.js';
import { awsCli } from './awslogs-cli.js';

let emulator: AwsEmulator;
let logs: CloudWatchLogsClient;
const { handler, exchanges } = recordingHandler();

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, tickMs: 200 });
  logs = new CloudWatchLogsClient({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy' },
    requestHandler: handler,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  logs?.destroy();
  await emulator?.stop();
});

const now = Date.now();

describe('CloudWatch Logs over the SDK', () => {
  test('groups, streams, events: put, get (both directions, paged), filter, describe', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/app' }));
    await expect(logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/app' }))).rejects.toMatchObject({
      name: 'ResourceAlreadyExistsException',
    });
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/ecs/app', logStreamName: 'web/app/1' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/ecs/app', logStreamName: 'web/app/2' }));
    const put = await logs.send(
      new PutLogEventsCommand({
        logGroupName: '/ecs/app',
        logStreamName: 'web/app/1',
        logEvents: [
          { timestamp: now - 3000, message: 'listening on 8080' },
          { timestamp: now - 2000, message: 'GET /health 200' },
          { timestamp: now - 1000, message: 'Error: database unreachable' },
          { timestamp: now - 20 * 24 * 3600 * 1000 + 5000, message: 'too old' },
        ].sort((a, b) => a.timestamp - b.timestamp),
      }),
    );
    expect(put.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: '/ecs/app',
        logStreamName: 'web/app/2',
        logEvents: [{ timestamp: now - 500, message: 'Error: out of memory' }],
      }),
    );

    const tail = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/ecs/app', logStreamName: 'web/app/1', limit: 2 }),
    );
    expect(tail.events?.map((e) => e.message)).toEqual(['GET /health 200', 'Error: database unreachable']);
    const before = await logs.send(
      new GetLogEventsCommand({
        logGroupName: '/ecs/app',
        logStreamName: 'web/app/1',
        limit: 2,
        nextToken: tail.nextBackwardToken,
      }),
    );
    expect(before.events?.map((e) => e.message)).toEqual(['listening on 8080']);
    const head = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/ecs/app', logStreamName: 'web/app/1', startFromHead: true }),
    );
    expect(head.events?.map((e) => e.timestamp)).toEqual([now - 3000, now - 2000, now - 1000]);
    const end = await logs.send(
      new GetLogEventsCommand({
        logGroupName: '/ecs/app',
        logStreamName: 'web/app/1',
        nextToken: head.nextForwardToken,
      }),
    );
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(head.nextForwardToken);

    const errors = await logs.send(new FilterLogEventsCommand({ logGroupName: '/ecs/app', filterPattern: 'Error' }));
    expect(errors.events?.map((e) => [e.logStreamName, e.message])).toEqual([
      ['web/app/1', 'Error: database unreachable'],
      ['web/app/2', 'Error: out of memory'],
    ]);
    const either = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: '/ecs/app',
        filterPattern: '?listening ?"out of memory"',
        logStreamNamePrefix: 'web/app/',
      }),
    );
    expect(either.events?.map((e) => e.message)).toEqual(['listening on 8080', 'Error: out of memory']);
    const paged = await logs.send(new FilterLogEventsCommand({ logGroupName: '/ecs/app', limit: 3 }));
    expect(paged.events).toHaveLength(3);
    const rest = await logs.send(
      new FilterLogEventsCommand({ logGroupName: '/ecs/app', limit: 3, nextToken: paged.nextToken }),
    );
    expect(rest.events?.map((e) => e.message)).toEqual(['Error: out of memory']);
    expect(rest.nextToken).toBeUndefined();

    const streams = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: '/ecs/app', orderBy: 'LastEventTime', descending: true }),
    );
    expect(streams.logStreams?.map((s) => [s.logStreamName, s.lastEventTimestamp])).toEqual([
      ['web/app/2', now - 500],
      ['web/app/1', now - 1000],
    ]);
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ecs/' }));
    expect(groups.logGroups?.map((g) => g.logGroupName)).toEqual(['/ecs/app']);
  });

  test('errors as CloudWatch Logs words them', async () => {
    await expect(
      logs.send(new CreateLogStreamCommand({ logGroupName: '/nope', logStreamName: 's' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });
    await expect(
      logs.send(new GetLogEventsCommand({ logGroupName: '/ecs/app', logStreamName: 'missing' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' });
    await expect(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: '/ecs/app',
          logStreamName: 'web/app/1',
          logEvents: [
            { timestamp: now, message: 'b' },
            { timestamp: now - 1, message: 'a' },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(
      logs.send(new DescribeLogStreamsCommand({ logGroupName: '/ecs/app', limit: 51 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  test('every exchange conforms to the CloudWatch Logs model', () => {
    const logsExchanges = exchanges.filter((e) => e.target.startsWith('Logs_20140328.'));
    expect(logsExchanges.length).toBeGreaterThanOrEqual(20);
    const problems = logsExchanges.flatMap((e) => [
      ...checkInput('logs', e.operation, e.request).map((p) => `request ${p}`),
      ...(e.status === 200
        ? checkOutput('logs', e.operation, e.response)
        : checkError('logs', e.operation, e.status, e.response)
      ).map((p) => `${e.operation} ${e.status}: ${p}`),
    ]);
    expect(problems).toEqual([]);
    expect(logsExchanges.some((e) => e.status !== 200)).toBe(true);
  });
});

describe('CloudWatch Logs over the aws CLI', () => {
  const aws = (args: string[]) => awsCli(emulator.endpoint, args);

  test('create, put, get-log-events, filter-log-events, describe-log-streams', async () => {
    expect((await aws(['logs', 'create-log-group', '--log-group-name', '/cli/g'])).code).toBe(0);
    expect(
      (await aws(['logs', 'create-log-stream', '--log-group-name', '/cli/g', '--log-stream-name', 's'])).code,
    ).toBe(0);
    const events = JSON.stringify([{ timestamp: now, message: 'migration 001 applied' }]);
    const put = await aws([
      'logs',
      'put-log-events',
      '--log-group-name',
      '/cli/g',
      '--log-stream-name',
      's',
      '--log-events',
      events,
    ]);
    expect(put.stderr).toBe('');
    const got = JSON.parse(
      (
        await aws([
          'logs',
          'get-log-events',
          '--log-group-name',
          '/cli/g',
          '--log-stream-name',
          's',
          '--start-from-head',
        ])
      ).stdout,
    );
    expect(got.events.map((e: { message: string }) => e.message)).toEqual(['migration 001 applied']);
    const filtered = JSON.parse(
      (await aws(['logs', 'filter-log-events', '--log-group-name', '/cli/g', '--filter-pattern', 'migration'])).stdout,
    );
    expect(filtered.events).toHaveLength(1);
    const streams = JSON.parse((await aws(['logs', 'describe-log-streams', '--log-group-name', '/cli/g'])).stdout);
    expect(streams.logStreams.map((s: { logStreamName: string }) => s.logStreamName)).toEqual(['s']);
    const missing = await aws(['logs', 'describe-log-streams', '--log-group-name', '/cli/none']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('An error occurred (ResourceNotFoundException)');
  }, 120_000);
});
