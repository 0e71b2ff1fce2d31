import { describe, expect, test } from '@jest/globals';
import {
  type createStepFiles,
  inputEnvironment,
  parseFileCommands,
  readStepFiles,
  stepEnvironment,
} from '../src/step-protocol.mjs';

describe('the environment a step gets (one builder for the runner, the test harness and the bench)', () => {
  const host = {
    PATH: '/repo/node_modules/.bin:/usr/bin:/repo/apps/a/node_modules/.bin',
    HOME: '/root',
    npm_config_user_agent: 'npm/10',
    NPM_CONFIG_CACHE: '/x',
    GITHUB_OUTPUT: '/outer/step/output',
    INPUT_NAME: 'outer',
    RUNNER_TEMP: '/outer/temp',
    ACTIONS_RUNTIME_TOKEN: 'outer-token',
    STATE_x: 'outer',
    UNSET: undefined,
  };

  test("drops the host's runner context and npm's additions, keeps the rest", () => {
    expect(stepEnvironment(host)).toEqual({ PATH: '/usr/bin', HOME: '/root' });
  });

  test('layers apply in order; undefined removes; a layer may put PATH entries back', () => {
    const env = stepEnvironment(
      host,
      { GITHUB_SHA: 'a', HOME: '/home/runner' },
      { GITHUB_SHA: 'b', HOME: undefined, PATH: '/tools/node_modules/.bin:/usr/bin' },
      inputEnvironment({ 'aws-region': 'eu-west-1', 'dry run': true }),
    );
    expect(env).toEqual({
      PATH: '/tools/node_modules/.bin:/usr/bin',
      GITHUB_SHA: 'b',
      'INPUT_AWS-REGION': 'eu-west-1',
      INPUT_DRY_RUN: 'true',
    });
  });
});

describe('file commands', () => {
  test.each([
    ['a=1\nb=two=2\n', { a: '1', b: 'two=2' }],
    ['multi<<EOF\nline 1\nline 2\nEOF\nafter=x\n', { multi: 'line 1\nline 2', after: 'x' }],
    ['crlf=1\r\n', { crlf: '1' }],
  ])('%j', (text, expected) => {
    expect(parseFileCommands(text)).toEqual(expected);
  });

  test('readStepFiles of files nobody created is empty, not an error', () => {
    const files = { GITHUB_OUTPUT: '/nonexistent/o', GITHUB_ENV: '/nonexistent/e' } as ReturnType<
      typeof createStepFiles
    >;
    expect(readStepFiles(files)).toEqual({ outputs: {}, env: {}, path: [], state: {}, summary: '' });
  });
});
