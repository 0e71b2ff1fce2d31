import { expect, test } from '@jest/globals';
import { inputProblem } from '../../../test/inputs.js';
import { getInputs } from '../src/inputs.js';

const problem = (inputs: Record<string, string>) => inputProblem(getInputs, inputs);

test.each([
  ['FALSE', 'go-version: "FALSE" is not valid; expected a Go version like 1.23 or 1.23.4, or false to skip Go'],
  ['no', 'go-version: "no" is not valid'],
  ['latest', 'go-version: "latest" is not valid'],
  ['1.23\n::set-output name=x::y', 'go-version: contains a line break (U+000A)'],
])('go-version %j is refused', (value, message) => {
  expect(problem({ 'go-version': value })).toContain(message);
});

test.each(['false', '1.23', '1.23.4', 'go1.24.0', '1.24rc1'])('go-version %j is accepted', (value) => {
  expect(problem({ 'go-version': value })).toBeUndefined();
});

test.each([
  // setTimeout fires after 1 ms past 2^31-1 ms: 30d used to turn every cache hit into a miss.
  [
    { 'restore-timeout': '30d' },
    'restore-timeout: 30d is out of range; expected a duration like 90s, 10m or 1h30m, from 1s to 6h',
  ],
  [{ 'restore-timeout': '7h' }, 'restore-timeout: 7h is out of range'],
  [{ 'mirror-token': 'tok\nen' }, 'mirror-token: contains a line break (U+000A); expected a single line'],
  [{ 'mirror-token': 'tok\ren' }, 'mirror-token: contains a carriage return (U+000D)'],
  [{ 'fetch-depth': '99999999999' }, 'fetch-depth: 99999999999 is out of range'],
  [{ 'cache-size-limit-mb': '9999999999' }, 'cache-size-limit-mb: 9999999999 is out of range'],
  [{ 'affected-base': 'main\u0000' }, 'affected-base: contains a NUL character'],
  [{ 'install-args': '--frozen-lockfile\r--x' }, 'install-args: item contains a carriage return'],
])('%j is refused', (inputs, message) => {
  expect(problem(inputs)).toContain(message);
});

test('a multi-line token is refused without showing it', () => {
  expect(problem({ 'mirror-token': 'first-half\nsecond-half' })).not.toMatch(/first-half|second-half/);
});
