import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { inputProblem } from '../../../test/inputs.js';
import { getInputs } from '../src/inputs.js';

const workspace = mkdtempSync(join(tmpdir(), 'ecs-inputs-'));
writeFileSync(
  join(workspace, 'td.json'),
  JSON.stringify({ family: 'api', containerDefinitions: [{ name: 'app', image: 'nginx:1', environment: [] }] }),
);
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const problem = (inputs: Record<string, string>) =>
  inputProblem((read) => getInputs(read, workspace), { cluster: 'main', service: 'api', ...inputs });

test.each([
  [
    { timeout: '999999h' },
    'timeout: 999999h is out of range; expected a duration like 90s, 10m or 1h30m, from 5s to 6h',
  ],
  [{ timeout: '7h' }, 'timeout: 7h is out of range'],
  [{ 'desired-count': '100000' }, 'desired-count: 100000 is out of range'],
  [{ 'keep-revisions': '99999999' }, 'keep-revisions: 99999999 is out of range'],
  [{ 'aws-region': 'eu-west-1\n::add-mask::x' }, 'aws-region: contains a line break'],
  [{ 'task-definition': 'td.json\r::error::x' }, 'task-definition: contains a carriage return'],
  [{ cluster: 'main\u0000' }, 'cluster: contains a NUL character'],
  [
    { 'container-images': 'app=nginx:1\r::stop-commands::t' },
    'container-images: value of "app" contains a carriage return',
  ],
  // A secret given in the environment input is blamed on environment, before any API call.
  [
    { 'task-definition': 'td.json', environment: 'app.DB_PASSWORD=hunter2-hunter2' },
    'environment: DB_PASSWORD is a plaintext secret (its name looks like a secret)',
  ],
  [
    { environment: 'AWS_KEY=AKIAABCDEFGHIJKLMNOP' },
    'environment: AWS_KEY is a plaintext secret (its value looks like an AWS access key id)',
  ],
])('%j is refused', (inputs, message) => {
  const text = problem(inputs);
  expect(text).toContain(message);
  expect(text).not.toContain('task-definition: container');
  expect(text).not.toContain('hunter2');
});

test('an allowed name in environment passes; a secret in the file is still the task definition', () => {
  expect(
    problem({
      'task-definition': 'td.json',
      environment: 'app.DB_PASSWORD=x',
      'allow-plaintext-secrets': 'DB_PASSWORD',
    }),
  ).toBeUndefined();
  expect(problem({ timeout: '6h' })).toBeUndefined();
});
