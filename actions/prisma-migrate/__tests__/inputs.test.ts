import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { inputProblem } from '../../../test/inputs.js';
import { getInputs } from '../src/inputs.js';

const workspace = mkdtempSync(join(tmpdir(), 'prisma-inputs-'));
const saved = process.env.GITHUB_WORKSPACE;
beforeAll(() => {
  mkdirSync(join(workspace, 'prisma', 'migrations'), { recursive: true });
  writeFileSync(join(workspace, 'prisma', 'schema.prisma'), 'datasource db { provider = "postgresql" }\n');
  process.env.GITHUB_WORKSPACE = workspace;
});
afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
  if (saved === undefined) delete process.env.GITHUB_WORKSPACE;
  else process.env.GITHUB_WORKSPACE = saved;
});

const problem = (inputs: Record<string, string>) => inputProblem(getInputs, inputs);

const URL_INPUT = { 'database-url': 'postgresql://u:p@localhost:5432/db' };
const SECRET = { 'database-secret-id': 'prod/db' };
test.each([
  [{ ...SECRET, 'aws-region': 'EU-WEST' }, 'aws-region: "EU-WEST" is not valid; expected an AWS region like eu-west-1'],
  [{ ...SECRET, 'aws-region': 'eu-west-1\n::stop-commands::x' }, 'aws-region: contains a line break'],
  [{ 'database-secret-id': 'prod db!' }, 'database-secret-id: "prod db!" is not valid; expected a Secrets Manager'],
  [{ 'database-secret-id': 'x'.repeat(513) }, 'database-secret-id: '],
  [{ 'database-secret-id': 'arn:aws:secretsmanager:eu-west-1:12345:secret:db' }, 'database-secret-id: '],
  [{ ...SECRET, 'database-secret-key': 'url\r::add-mask::x' }, 'database-secret-key: contains a carriage return'],
  [
    { 'database-url': 'postgresql://u:pass\nword@localhost/db' },
    'database-url: contains a line break (U+000A) (value hidden)',
  ],
  [{ ...URL_INPUT, 'prisma-command': 'npx prisma\n::error::x' }, 'prisma-command: contains a line break'],
])('%j is refused', (inputs, message) => {
  expect(problem(inputs)).toContain(message);
});

test.each([
  'prod/db',
  'app+db=main.v1@team-x_y',
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf',
  'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db-AbCdEf',
])('database-secret-id %j is accepted', (id) => {
  expect(problem({ 'database-secret-id': id, 'aws-region': 'eu-west-1' })).toBeUndefined();
});

test('a database URL with a newline is refused without showing it', () => {
  expect(problem({ 'database-url': 'postgresql://u:hunter2\n@localhost/db' })).not.toContain('hunter2');
});
