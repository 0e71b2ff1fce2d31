import { describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { ConfigurationError } from '../errors.js';
import {
  boolean,
  choice,
  duration,
  type Field,
  inputName,
  integer,
  json,
  keyValues,
  lines,
  list,
  parseInputs,
  requireThat,
  string,
  url,
  yaml,
} from '../inputs.js';

/** Parses one input through the same path an action uses, returning the value or the error text. */
function parseOne<T>(field: Field<T>, raw: string): T | string {
  try {
    return parseInputs({ value: field }, () => raw).value as T;
  } catch (error) {
    if (error instanceof ConfigurationError) return error.message;
    throw error;
  }
}

describe('input fields', () => {
  test.each([
    ['string', string(), 'abc', 'abc'],
    ['string default', string({ default: 'd' }), '', 'd'],
    ['string absent', string(), '', undefined],
    ['string required', string({ required: true }), '', 'value: is required but was not given; expected text'],
    [
      'string pattern',
      string({ pattern: /^[a-z]+$/, expected: 'letters' }),
      'A1',
      'value: "A1" is not valid; expected letters',
    ],
    ['string max length', string({ maxLength: 3 }), 'abcd', 'value: is 4 characters long; expected at most 3'],
    ['choice', choice(['plan', 'deploy']), 'plan', 'plan'],
    [
      'choice bad',
      choice(['plan', 'deploy']),
      'apply',
      'value: "apply" is not supported; expected one of plan, deploy',
    ],
    ['boolean true', boolean(), 'TRUE', true],
    ['boolean no', boolean(), 'no', false],
    ['boolean default', boolean({ default: true }), '', true],
    ['boolean bad', boolean(), 'maybe', 'value: "maybe" is not a boolean; expected true or false'],
    ['integer', integer({ min: 1, max: 10 }), '7', 7],
    ['integer signed', integer(), '-3', -3],
    [
      'integer low',
      integer({ min: 1, max: 10 }),
      '0',
      'value: 0 is out of range; expected a whole number from 1 to 10',
    ],
    ['integer high', integer({ max: 10 }), '11', 'value: 11 is out of range; expected a whole number at most 10'],
    [
      'integer fraction',
      integer({ min: 1 }),
      '1.5',
      'value: "1.5" is not a whole number; expected a whole number at least 1',
    ],
    ['integer text', integer(), 'ten', 'value: "ten" is not a whole number; expected a whole number'],
    ['duration s', duration(), '90s', 90_000],
    ['duration m', duration(), '10m', 600_000],
    ['duration compound', duration(), '1h30m', 5_400_000],
    ['duration ms', duration(), '250ms', 250],
    ['duration bare seconds', duration(), '15', 15_000],
    [
      'duration bad',
      duration(),
      '10 minutes',
      'value: "10 minutes" is not a duration; expected a duration like 90s, 10m or 1h30m',
    ],
    [
      'duration range',
      duration({ min: 1000, max: 60_000 }),
      '2m',
      'value: 2m is out of range; expected a duration like 90s, 10m or 1h30m from 1s to 60s',
    ],
    ['list commas', list(), 'a, b,,c', ['a', 'b', 'c']],
    ['list lines', list(), 'a\nb\n', ['a', 'b']],
    ['list empty', list(), '', []],
    [
      'list item check',
      list({ item: (v) => (v.includes(' ') ? 'has a space' : undefined) }),
      'a,b c',
      'value: "b c" has a space; expected a comma- or newline-separated list',
    ],
    ['lines', lines(), '# comment\n one \n\ntwo', ['one', 'two']],
    ['key values', keyValues(), 'A=1\nB = x=y', { A: '1', B: 'x=y' }],
    ['key values commas', keyValues(), 'A=1,B=2', { A: '1', B: '2' }],
    ['key values no =', keyValues(), 'A', 'value: "A" has no key=value form; expected key=value lines'],
    ['key values twice', keyValues(), 'A=1\nA=2', 'value: key "A" is given twice; expected each key once'],
    [
      'key values key pattern',
      keyValues({ keyPattern: /^[A-Z_]+$/ }),
      'a-b=1',
      'value: key "a-b" is not valid; expected keys matching /^[A-Z_]+$/',
    ],
    ['url', url(), 'https://example.com/x', new URL('https://example.com/x')],
    ['url bad', url(), 'example.com', 'value: "example.com" is not a URL; expected an absolute http or https URL'],
    [
      'url protocol',
      url(),
      'ftp://example.com',
      'value: protocol ftp: is not supported; expected an absolute http or https URL',
    ],
    ['json', json(z.object({ a: z.number() })), '{"a":1}', { a: 1 }],
    [
      'json syntax',
      json(z.object({ a: z.number() })),
      '{a:1}',
      expect.stringMatching(/^value: is not valid JSON \(.+\); expected a JSON document$/),
    ],
    [
      'json schema',
      json(z.object({ a: z.number() })),
      '{"a":"x"}',
      expect.stringMatching(/^value: a: .*number.*; expected a JSON document$/),
    ],
    ['yaml', yaml(z.array(z.string())), '- a\n- b', ['a', 'b']],
    ['yaml also takes json', yaml(z.array(z.string())), '["a"]', ['a']],
    ['yaml syntax', yaml(z.array(z.string())), 'a: [', expect.stringMatching(/^value: is not valid YAML/)],
    [
      'yaml strict keys',
      yaml(z.strictObject({ a: z.string() })),
      'a: x\nb: y',
      expect.stringMatching(/^value: .*b.*; expected a YAML document$/),
    ],
  ])('%s', (_label, field, raw, expected) => {
    expect(parseOne(field as Field<unknown>, raw)).toEqual(expected);
  });
});

describe('parseInputs', () => {
  test('reads kebab-case names and collects every problem at once', () => {
    const read = (name: string) => ({ 'max-failed-tasks': 'x', 'wait-timeout': '1y', cluster: 'prod' })[name] ?? '';
    expect(() =>
      parseInputs({ cluster: string({ required: true }), maxFailedTasks: integer(), waitTimeout: duration() }, read),
    ).toThrow(
      new ConfigurationError([
        'max-failed-tasks: "x" is not a whole number; expected a whole number',
        'wait-timeout: "1y" is not a duration; expected a duration like 90s, 10m or 1h30m',
      ]),
    );
  });

  test('returns typed values keyed by camelCase', () => {
    const read = (name: string) => ({ 'max-failed-tasks': '3' })[name] ?? '';
    expect(parseInputs({ maxFailedTasks: integer(), dryRun: boolean({ default: false }) }, read)).toEqual({
      maxFailedTasks: 3,
      dryRun: false,
    });
  });

  test.each([
    ['maxFailedTasks', 'max-failed-tasks'],
    ['cluster', 'cluster'],
    ['awsRegion', 'aws-region'],
  ])('inputName(%s) = %s', (key, name) => expect(inputName(key)).toBe(name));

  test('requireThat names the input', () => {
    expect(() => requireThat(false, 'deadline', 'is shorter than initial-delay', 'a longer deadline')).toThrow(
      'deadline: is shorter than initial-delay; expected a longer deadline',
    );
    expect(() => requireThat(true, 'deadline', 'x', 'y')).not.toThrow();
  });

  test('a secret input is masked as soon as it is read', async () => {
    const { secret } = await import('../inputs.js');
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => writes.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      expect(parseInputs({ password: secret() }, () => 's3cr3t-value').password).toBe('s3cr3t-value');
    } finally {
      process.stdout.write = original;
    }
    expect(writes.join('')).toContain('::add-mask::s3cr3t-value');
  });
});
