/** Unit tests of the pure parts behind CloudWatch Logs, awslogs and secrets injection (no processes). */
import { describe, expect, test } from '@jest/globals';
import { streamName } from '../src/ecs/awslogs.js';
import { missingSecretReason, resolveSecrets, secretSource } from '../src/ecs/secrets-injection.js';
import type { Task } from '../src/ecs/types.js';
import { filterPattern, Logs } from '../src/logs.js';

describe('filterPattern (unstructured terms)', () => {
  test.each([
    ['', 'anything', true],
    ['ERROR', 'ERROR: boom', true],
    ['ERROR', 'error: boom', false], // case-sensitive
    ['ERROR boom', 'boom ERROR', true],
    ['ERROR boom', 'ERROR bang', false],
    ['"out of memory"', 'killed: out of memory', true],
    ['"out of memory"', 'out of the memory', false],
    ['?ERROR ?WARN', 'WARN disk', true],
    ['?ERROR ?WARN', 'INFO ok', false],
    ['ERROR -retrying', 'ERROR retrying', false],
    ['ERROR -retrying', 'ERROR fatal', true],
  ])('%j on %j is %s', (pattern, message, expected) => {
    expect(filterPattern(pattern)(message)).toBe(expected);
  });

  test('JSON and space-delimited patterns are refused, not silently matched', () => {
    expect(() => filterPattern('{ $.level = "error" }')).toThrow(/not supported by the emulator/);
    expect(() => filterPattern('[ip, user]')).toThrow(/not supported by the emulator/);
  });
});

describe('Logs store', () => {
  test('GetLogEvents pages backwards from the tail and forwards to a repeated token', () => {
    const logs = new Logs('us-east-1', '000000000000');
    logs.createGroup('/g');
    logs.createStream('/g', 's');
    const t = Date.now() - 10_000;
    for (let i = 0; i < 5; i++) logs.append('/g', 's', t + i, `line ${i}`);
    const tail = logs.handle('GetLogEvents', { logGroupName: '/g', logStreamName: 's', limit: 2 });
    expect(tail.events.map((e: { message: string }) => e.message)).toEqual(['line 3', 'line 4']);
    const back = logs.handle('GetLogEvents', {
      logGroupName: '/g',
      logStreamName: 's',
      limit: 2,
      nextToken: tail.nextBackwardToken,
    });
    expect(back.events.map((e: { message: string }) => e.message)).toEqual(['line 1', 'line 2']);
    const forward = logs.handle('GetLogEvents', {
      logGroupName: '/g',
      logStreamName: 's',
      nextToken: tail.nextForwardToken,
    });
    expect(forward.events).toEqual([]);
    expect(forward.nextForwardToken).toBe(tail.nextForwardToken);
    expect(() => logs.handle('GetLogEvents', { logGroupName: '/g', logStreamName: 's', nextToken: 'x' })).toThrow(
      'The specified nextToken is invalid.',
    );
    expect(logs.handle('DescribeLogGroups', {}).logGroups[0].storedBytes).toBe(5 * (6 + 26));
  });

  test('a missing group or stream, and out-of-order events, are refused as CloudWatch Logs words it', () => {
    const logs = new Logs('us-east-1', '000000000000');
    expect(() => logs.createStream('/none', 's')).toThrow('The specified log group does not exist.');
    logs.createGroup('/g');
    expect(() => logs.createGroup('/g')).toThrow('The specified log group already exists');
    expect(() => logs.append('/g', 'missing', Date.now(), 'x')).toThrow('The specified log stream does not exist.');
    logs.createStream('/g', 's');
    const now = Date.now();
    expect(() =>
      logs.putEvents('/g', 's', [
        { timestamp: now, message: 'b' },
        { timestamp: now - 1, message: 'a' },
      ]),
    ).toThrow('chronological order');
    expect(logs.putEvents('/g', 's', [{ timestamp: now + 3 * 3600_000, message: 'future' }])).toMatchObject({
      rejectedLogEventsInfo: { tooNewLogEventStartIndex: 0 },
    });
  });
});

describe('awslogs stream names', () => {
  const task = { id: 'abc123' } as Task;
  test('<prefix>/<container>/<task-id>, the container id without a prefix', () => {
    const def = {
      name: 'app',
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-stream-prefix': 'web' } },
    };
    expect(streamName(task, def)).toBe('web/app/abc123');
    expect(streamName(task, { name: 'app', logConfiguration: { logDriver: 'awslogs', options: {} } }, 'f00d')).toBe(
      'f00d',
    );
  });
});

describe('secrets injection', () => {
  const ASM = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-AbCdEf:url::';
  test('Secrets Manager ARNs are asm, names and SSM ARNs are ssm', () => {
    expect(secretSource(ASM)).toBe('asm');
    expect(secretSource('/prod/flag')).toBe('ssm');
    expect(secretSource('arn:aws:ssm:us-east-1:000000000000:parameter/prod/flag')).toBe('ssm');
  });

  test('every container resolved in order, or the first missing one as the stopped reason', () => {
    const values: Record<string, string> = { [ASM]: 'postgres://x', '/prod/flag': 'on' };
    const lookup = (v: string) => values[v];
    const defs = [
      { name: 'app', secrets: [{ name: 'DATABASE_URL', valueFrom: ASM }] },
      { name: 'side', secrets: [{ name: 'FLAG', valueFrom: '/prod/flag' }] },
      { name: 'none' },
    ];
    expect(resolveSecrets(defs, lookup)).toEqual({ env: [['DATABASE_URL=postgres://x'], ['FLAG=on'], []] });
    const missing = resolveSecrets([...defs, { name: 'x', secrets: [{ name: 'Y', valueFrom: '/prod/none' }] }], lookup);
    expect(missing).toEqual({ reason: missingSecretReason('/prod/none') });
    expect(missingSecretReason('/prod/none')).toMatch(
      /^ResourceInitializationError: unable to pull secrets or registry auth: .*invalid ssm parameters: \/prod\/none$/,
    );
  });
});
