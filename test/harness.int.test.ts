import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { assertNoSecrets, parseAnnotations, parseFileCommands, ROOT, runAction, runnerPath } from './harness.js';

const fixture = join(ROOT, 'test/fixtures/actions/fixture');
const PASSWORD = 'hunter2-planted-secret';

describe('runner harness, with a real Node 24 process', () => {
  test('observes outputs, state, env, path, summary, annotations and the post step', async () => {
    const result = await runAction(fixture, {
      inputs: { name: 'ada', password: PASSWORD },
      post: true,
      secrets: [PASSWORD],
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toEqual({ greeting: 'hello ada' });
    expect(result.state).toEqual({ greeted: 'ada' });
    expect(result.env).toEqual({ FIXTURE_GREETED: 'ada' });
    expect(result.path).toEqual(['/opt/fixture/bin']);
    expect(result.summary).toContain('greeted ada');
    expect(result.annotations).toContainEqual({
      level: 'error',
      message: 'something to look at',
      file: 'src/app.ts',
      line: 7,
      title: 'Fixture',
    });
    expect(result.log).toContain(`::add-mask::${PASSWORD}`);
    expect(result.post?.exitCode).toBe(0);
    expect(result.post?.log).toContain('post step saw state greeted=ada');
  });

  test('runs under Node 24 like the runner', async () => {
    const result = await runAction(fixture, { inputs: { name: 'ada' } });
    expect(result.log).toMatch(/running on node v24\./);
  });

  test('reports a failing step with exit code 1 and an error annotation', async () => {
    const result = await runAction(fixture, { inputs: { name: 'ada', fail: 'true' } });
    expect(result.exitCode).toBe(1);
    expect(result.annotations).toContainEqual({ level: 'error', message: 'asked to fail' });
    expect(result.outputs.greeting).toBe('hello ada');
  });

  test('reports every invalid input at once, named, before doing anything', async () => {
    const result = await runAction(fixture, { inputs: { name: 'Ada!', fail: 'maybe' } });
    expect(result.exitCode).toBe(1);
    expect(result.log).toContain('name: "Ada!" is not valid; expected lower-case letters');
    expect(result.log).toContain('fail: "maybe" is not a boolean; expected true or false');
    expect(result.outputs).toEqual({});
    expect(result.summary).toBe('');
  });

  test('fails the test when a planted secret reaches the log', async () => {
    await expect(
      runAction(fixture, { inputs: { name: 'ada', password: PASSWORD, leak: 'true' }, secrets: [PASSWORD] }),
    ).rejects.toThrow(/planted secret appeared in the log: [\s\S]*leaked <<SECRET>>/);
  });

  test.each([
    ['summary', { summary: `token ${PASSWORD}` }],
    ['output out', { outputs: { out: PASSWORD } }],
  ])('secret scan also covers the %s', (place, step) => {
    const base = {
      exitCode: 0,
      outputs: {},
      state: {},
      env: {},
      path: [],
      summary: '',
      annotations: [],
      log: '',
      durationMs: 0,
    };
    expect(() => assertNoSecrets({ ...base, ...step }, [PASSWORD])).toThrow(`appeared in the ${place}`);
  });
});

describe('the step environment', () => {
  test("npm's node_modules/.bin directories are not on a step's PATH (a runner has no repository tools there)", () => {
    expect(runnerPath('/repo/node_modules/.bin:/usr/local/bin:/repo/apps/a/node_modules/.bin:/usr/bin')).toBe(
      '/usr/local/bin:/usr/bin',
    );
    expect(runnerPath('/usr/bin:/opt/node_modules/.bin/x')).toBe('/usr/bin:/opt/node_modules/.bin/x');
  });
});

describe('file command and annotation parsing', () => {
  test.each([
    ['a=1\nb=two=2\n', { a: '1', b: 'two=2' }],
    ['multi<<EOF_1\nline 1\nline 2\nEOF_1\nx=y\n', { multi: 'line 1\nline 2', x: 'y' }],
    ['', {}],
  ])('parseFileCommands(%j)', (text, expected) => {
    expect(parseFileCommands(text)).toEqual(expected);
  });

  test('parseAnnotations unescapes messages and properties', () => {
    expect(parseAnnotations('::warning file=a%2Cb.sql,line=3::two%0Alines\nplain\n::notice::n')).toEqual([
      { level: 'warning', file: 'a,b.sql', line: 3, message: 'two\nlines' },
      { level: 'notice', message: 'n' },
    ]);
  });
});
