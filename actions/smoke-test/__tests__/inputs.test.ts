import { tmpdir } from 'node:os';
import { expect, test } from '@jest/globals';
import { inputProblem } from '../../../test/inputs.js';
import { getInputs } from '../src/inputs.js';

const problem = (inputs: Record<string, string>) => inputProblem((read) => getInputs(read, tmpdir()), inputs);

const URL_INPUT = { url: 'http://127.0.0.1:1/health' };
test.each([
  [
    { ...URL_INPUT, headers: 'Authorization=Bearer x\r::add-mask::y' },
    'headers: value of "Authorization" contains a carriage return',
  ],
  [
    { ...URL_INPUT, 'expect-version': 'v1\n::stop-commands::tok', 'version-from': 'header:X-Version' },
    'expect-version: contains a line break',
  ],
  [{ ...URL_INPUT, 'version-from': 'header:X\r::error::y' }, 'version-from: contains a carriage return'],
  [
    { checks: '- name: "a\\n::set-output name=x::y"\n  url: http://x/' },
    'checks: check "a\\n::set-output name=x::y": name: contains a line break',
  ],
  [{ checks: '- url: http://x/\n  headers: { X-Token: "a\\nb" }' }, 'headers'],
  [
    { checks: '- url: http://x/\n  expect-version: "1\\r2"\n  version: { header: X-V }' },
    'expect-version: contains a line break or control character',
  ],
  [{ checks: 'defaults: { headers: { "X\\nY": v } }\nchecks:\n  - url: http://x/' }, 'headers'],
])('%j is refused', (inputs, message) => {
  const text = problem(inputs);
  expect(text).toContain(message);
  expect(text?.split('\n').every((line) => /^[a-z-]+: /.test(line))).toBe(true);
});
