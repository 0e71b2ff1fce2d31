import { afterEach, describe, expect, test } from '@jest/globals';
import { ActionFailed, runAction } from '../action.js';
import { ConfigurationError } from '../errors.js';
import { forgetSecrets, registerSecret } from '../secrets.js';

/** Runs the boundary and returns what it wrote to stdout (workflow commands) and the exit code. */
async function boundary(main: () => Promise<void>): Promise<{ out: string; exitCode: typeof process.exitCode }> {
  const writes: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  const debug = process.env.RUNNER_DEBUG;
  process.env.RUNNER_DEBUG = '1';
  process.stdout.write = ((chunk: string) => writes.push(String(chunk)) > 0) as typeof process.stdout.write;
  try {
    await runAction(main);
    return { out: writes.join(''), exitCode: process.exitCode };
  } finally {
    process.stdout.write = original;
    if (debug === undefined) delete process.env.RUNNER_DEBUG;
    else process.env.RUNNER_DEBUG = debug;
    process.exitCode = undefined;
  }
}

afterEach(() => forgetSecrets());

describe('runAction, the one error boundary', () => {
  test('a successful main leaves the exit code alone', async () => {
    const { out, exitCode } = await boundary(async () => {});
    expect(out).not.toContain('::error');
    expect(exitCode).toBeUndefined();
  });

  test.each([
    ['a configuration mistake', new ConfigurationError('timeout: 0s is out of range; expected at least 1s')],
    ['a failed verdict', new ActionFailed('smoke test failed: "health" (1 check)')],
  ])('%s: its message, no stack', async (_, error) => {
    const { out, exitCode } = await boundary(async () => {
      throw error;
    });
    expect(out).toContain(`::error::${error.message}`);
    expect(out).not.toContain('::debug::');
    expect(exitCode).toBe(1);
  });

  test('an unexpected error keeps its causes, its stack goes to debug, secrets are scrubbed', async () => {
    const { out, exitCode } = await boundary(async () => {
      registerSecret('hunter2-token');
      throw new Error('push failed', { cause: new Error('401 for hunter2-token') });
    });
    expect(out).toContain('::error::push failed: 401 for ***');
    expect(out).toMatch(/::debug::Error: push failed/);
    expect(out.replace(/::add-mask::.*/g, '')).not.toContain('hunter2-token');
    expect(exitCode).toBe(1);
  });
});
