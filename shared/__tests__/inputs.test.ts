import { describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { ConfigurationError } from '../errors.js';
import {
  awsRegion,
  boolean,
  choice,
  controlProblem,
  duration,
  type Field,
  host,
  hostProblem,
  inputName,
  integer,
  json,
  keyValues,
  lines,
  list,
  parseInputs,
  requireThat,
  secret,
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
      'value: "10 minutes" is not a duration; expected a duration like 90s, 10m or 1h30m, at most 24d',
    ],
    [
      'duration range',
      duration({ min: 1000, max: 60_000 }),
      '2m',
      'value: 2m is out of range; expected a duration like 90s, 10m or 1h30m, from 1s to 1m',
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
        'wait-timeout: "1y" is not a duration; expected a duration like 90s, 10m or 1h30m, at most 24d',
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

const ONE_LINE = 'expected a single line without control characters';
describe('single-line inputs are single-line', () => {
  test.each([
    ['string', string(), 'a\n::set-output name=x::y', `value: contains a line break (U+000A); ${ONE_LINE}`],
    ['string CR', string(), 'a\r::add-mask::x', `value: contains a carriage return (U+000D); ${ONE_LINE}`],
    ['string NUL', string(), 'a\u0000b', `value: contains a NUL character (U+0000); ${ONE_LINE}`],
    ['string NEL', string(), 'a\u0085b', `value: contains a control character (U+0085); ${ONE_LINE}`],
    ['choice', choice(['a', 'b']), 'a\n', 'a'],
    ['choice inner', choice(['a', 'b']), 'a\nb', `value: contains a line break (U+000A); ${ONE_LINE}`],
    ['integer', integer(), '1\r2', `value: contains a carriage return (U+000D); ${ONE_LINE}`],
    ['url', url(), 'https://a.example/\n::error::x', `value: contains a line break (U+000A); ${ONE_LINE}`],
    ['tab is fine', string(), 'a\tb', 'a\tb'],
    ['multiline string', string({ multiline: true }), 'line 1\nline 2', 'line 1\nline 2'],
    ['list item NUL', list(), 'a,b\u0000c', `value: item contains a NUL character (U+0000); ${ONE_LINE} in each item`],
    ['list item CR', list(), 'a\nb\rc', `value: item contains a carriage return (U+000D); ${ONE_LINE} in each item`],
    ['lines CR', lines(), 'a\nb\rc', `value: line contains a carriage return (U+000D); ${ONE_LINE} in each line`],
    [
      'keyValues value CR',
      keyValues(),
      'A=1\nB=x\r::stop-commands::t',
      `value: value of "B" contains a carriage return (U+000D); ${ONE_LINE} in each value of "B"`,
    ],
    ['keyValues __proto__ is a key', keyValues(), '__proto__=x', JSON.parse('{"__proto__":"x"}')],
  ])('%s', (_label, field, raw, expected) => {
    // Actions read inputs through core.getInput, which trims: a trailing newline never reaches a field.
    expect(parseOne(field as Field<unknown>, raw.trim() === raw ? raw : raw.trim())).toEqual(expected);
  });

  test('a multi-line token is refused without showing any part of it', () => {
    const message = parseOne(secret(), 'ghp_abcdef\nsecond-half');
    expect(message).toBe(`value: contains a line break (U+000A); ${ONE_LINE}`);
  });

  test('controlProblem names the first control character', () => {
    expect(controlProblem('plain text: ok')).toBeUndefined();
    expect(controlProblem('x\u2028y')).toBe('contains a control character (U+2028)');
  });
});

describe('bounds', () => {
  test.each([
    ['ghcr.io', undefined],
    ['localhost:5000', undefined],
    ['10.0.0.5:5000', undefined],
    ['[::1]:5000', undefined],
    ['registry-1.docker.io', undefined],
    ['https://ghcr.io', 'is not a host name (with an optional :port)'],
    ['ghcr.io/org', 'is not a host name (with an optional :port)'],
    ['bad_host', 'is not a host name (with an optional :port)'],
    ['-a.io', 'is not a host name (with an optional :port)'],
    ['a.io:0', 'has port 0 out of range 1-65535'],
    ['a.io:70000', 'has port 70000 out of range 1-65535'],
    ['999.1.1.1', 'is not a valid IPv4 address'],
    ['a b', 'is not a host name (with an optional :port)'],
  ])('hostProblem(%j) = %j', (value, problem) => {
    expect(hostProblem(value)).toBe(problem);
  });

  test.each([
    ['host', host(), 'ghcr.io:443', 'ghcr.io:443'],
    [
      'host with a path',
      host(),
      'ghcr.io/x',
      'value: "ghcr.io/x" is not a host name (with an optional :port); expected a registry host name like ghcr.io, localhost:5000 or 10.0.0.5:5000',
    ],
    ['region', awsRegion(), 'us-gov-west-1', 'us-gov-west-1'],
    ['region bad', awsRegion(), 'EU-WEST-1', 'value: "EU-WEST-1" is not valid; expected an AWS region like eu-west-1'],
    ['duration at the platform limit', duration(), '24d', 24 * 86_400_000],
    // setTimeout fires after 1 ms for anything above 2^31-1 ms: never accepted.
    [
      'duration past the timer limit',
      duration(),
      '30d',
      'value: 30d is out of range; expected a duration like 90s, 10m or 1h30m, at most 24d',
    ],
    [
      'duration max is capped',
      duration({ max: 100 * 86_400_000 }),
      '25d',
      'value: 25d is out of range; expected a duration like 90s, 10m or 1h30m, at most 24d',
    ],
    [
      'huge duration',
      duration(),
      '999999999999999999h',
      expect.stringMatching(/^value: 999999999999999999h is out of range/),
    ],
  ])('%s', (_label, field, raw, expected) => {
    expect(parseOne(field as Field<unknown>, raw)).toEqual(expected);
  });
});
