import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { inputProblem } from '../../../test/inputs.js';
import { getInputs } from '../src/inputs.js';

const workspace = mkdtempSync(join(tmpdir(), 'bpi-inputs-'));
mkdirSync(join(workspace, 'api'));
writeFileSync(join(workspace, 'api', 'Dockerfile'), 'FROM scratch\n');
writeFileSync(join(workspace, 'Dockerfile'), 'FROM scratch\n');
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const read = (inputs: Record<string, string>) => (name: string) =>
  ({ image: 'ghcr.io/org/app', ...inputs })[name] ?? '';
const problem = (inputs: Record<string, string>) =>
  inputProblem((raw) => getInputs(raw, workspace), { image: 'ghcr.io/org/app', ...inputs });

test.each([
  [{ services: 'Bad Name!:\n  context: api' }, 'services: 0.name: "Bad Name!" is not a service name'],
  [{ services: '__proto__:\n  context: api' }, 'services: 0.name: "__proto__" is reserved as a service name'],
  [{ services: 'constructor:\n  context: api' }, '"constructor" is reserved'],
  [{ services: '- name: prototype\n  context: api' }, '"prototype" is reserved'],
  [{ services: 'api:\n  target: "a\\n::set-output name=x::y"' }, 'services: 0.target: contains a line break'],
  [{ services: 'api:\n  build-args:\n    A: "x\\r::add-mask::y"' }, 'services: 0.build-args'],
  [{ services: 'api:\n  tags: ["v1\\n::error::x"]' }, 'services: 0.tags.0: contains a line break'],
  [{ registry: 'ghcr.io\n::stop-commands::tok' }, 'registry: contains a line break (U+000A)'],
  [{ registry: 'https://ghcr.io' }, 'registry: "https://ghcr.io" is not a host name'],
  [{ registry: 'bad_host!' }, 'registry: "bad_host!" is not a host name'],
  [{ 'registry-username': 'me\n::add-mask::x', 'registry-password': 'p' }, 'registry-username: contains a line break'],
  [{ 'insecure-registries': 'localhost:5000,bad host' }, 'insecure-registries: "bad host" is not a host name'],
  [{ logins: '- {registry: "a.io\\n::x", username: u, password: p}' }, 'logins: 0.registry'],
  [
    { logins: '- {registry: a.io, username: "u\\n::error::x", password: p}' },
    'logins: 0.username: contains a line break',
  ],
  [{ 'aws-region': 'us-gov-west-1' }, undefined],
  [{ 'aws-region': 'EU' }, 'aws-region: "EU" is not valid; expected an AWS region'],
])('%j', (inputs, message) => {
  if (message === undefined) expect(problem(inputs)).toBeUndefined();
  else expect(problem(inputs)).toContain(message);
});

test('the mapping form keeps every service, named by its key', () => {
  const inputs = getInputs(
    read({ services: 'api:\n  context: api\nweb:\n  context: api\n  image: ghcr.io/org/web' }),
    workspace,
  );
  expect(inputs.services.map((s) => s.name)).toEqual(['api', 'web']);
});

test('a login names the input it came from', () => {
  const registry = getInputs(
    read({ registry: 'ghcr.io', 'registry-username': 'me', 'registry-password': 'pw' }),
    workspace,
  );
  expect(registry.logins.map((l) => [l.registry, l.input])).toEqual([['ghcr.io', 'registry']]);
  const logins = getInputs(read({ logins: '- {registry: localhost:5000, username: u, password: p}' }), workspace);
  expect(logins.logins.map((l) => [l.registry, l.input])).toEqual([['localhost:5000', 'logins']]);
});
