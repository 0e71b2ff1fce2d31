/**
 * One source of truth per input: every action's `action.yml` (what the runner passes, what the docs
 * say) and the `parseInputs` spec of its `inputs.ts` (what the code accepts) must agree on the names,
 * on `required` and on every default. The specs are taken from the actions' own `getInputs`, by
 * recording what they hand to `parseInputs`, so the test reads exactly what runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, jest, test } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import type { Field, ReadInput } from '../shared/inputs.js';

const shared = await import('../shared/inputs.js');
type Spec = Record<string, Field<unknown>>;

/** Stops getInputs at its parseInputs call, once the spec is recorded. */
class SpecRecorded extends Error {}
let recorded: Spec[] = [];
jest.unstable_mockModule('../shared/inputs.js', () => ({
  ...shared,
  parseInputs: (spec: Spec) => {
    recorded.push(spec);
    throw new SpecRecorded();
  },
}));

/** Every spec a step of the action reads its inputs with (main, and post where it reads inputs). */
const readers: Record<string, () => Promise<((read: ReadInput) => unknown)[]>> = {
  'approve-gate': async () => [(await import('../actions/approve-gate/src/inputs.js')).getInputs],
  'build-push-image': async () => [(await import('../actions/build-push-image/src/inputs.js')).getInputs],
  'deploy-ecs': async () => [(await import('../actions/deploy-ecs/src/inputs.js')).getInputs],
  'prisma-migrate': async () => [(await import('../actions/prisma-migrate/src/inputs.js')).getInputs],
  'setup-monorepo': async () => [
    (await import('../actions/setup-monorepo/src/inputs.js')).getInputs,
    (await import('../actions/setup-monorepo/src/save.js')).getPostInputs,
  ],
  'smoke-test': async () => [(await import('../actions/smoke-test/src/inputs.js')).getInputs],
};

async function specsOf(action: string): Promise<Spec[]> {
  const specs: Spec[] = [];
  for (const getInputs of await readers[action]!()) {
    recorded = [];
    try {
      getInputs(() => '');
    } catch (error) {
      if (!(error instanceof SpecRecorded)) throw error;
    }
    expect(recorded).toHaveLength(1);
    specs.push(recorded[0]!);
  }
  return specs;
}

interface YamlInput {
  required?: boolean;
  default?: string | number | boolean;
}

/** What a field makes of a raw value: its JSON form (URLs as href), or the problem it reports. */
function probe(field: Field<unknown>, raw: string, name: string): { value: string | undefined } | { problem: string } {
  try {
    return { value: JSON.stringify(field(raw, name)) };
  } catch (error) {
    if (error instanceof shared.InputProblem) return { problem: error.message };
    throw error;
  }
}

/** An empty value: what an optional input without a default may parse to. */
const EMPTY = new Set([undefined, '[]', '{}']);

/** Every way an action.yml and the specs disagree, one line each. */
function disagreements(inputs: Record<string, YamlInput>, specs: Spec[]): string[] {
  const problems: string[] = [];
  const fields = new Map<string, Field<unknown>>();
  for (const spec of specs) {
    for (const [key, field] of Object.entries(spec)) fields.set(shared.inputName(key), field);
  }
  for (const name of Object.keys(inputs)) {
    if (!fields.has(name)) problems.push(`${name}: in action.yml, not in the spec`);
  }
  for (const [name, field] of fields) {
    const declared = inputs[name];
    if (!declared) {
      problems.push(`${name}: in the spec, not in action.yml`);
      continue;
    }
    const unset = probe(field, '', name);
    const fallback = declared.default === undefined ? undefined : String(declared.default);
    if (fallback === undefined) {
      if (declared.required === true && !('problem' in unset)) {
        problems.push(`${name}: required in action.yml, but the spec accepts it unset (${unset.value})`);
      }
      if (declared.required !== true && 'problem' in unset) {
        problems.push(`${name}: optional in action.yml, but the spec requires it`);
      }
      if (declared.required !== true && 'value' in unset && !EMPTY.has(unset.value)) {
        problems.push(`${name}: the spec defaults to ${unset.value}, action.yml declares no default`);
      }
      continue;
    }
    // An expression (`${{ github.token }}`) is the runner's to evaluate: nothing to compare.
    if (fallback.includes('${{')) continue;
    const given = probe(field, fallback, name);
    if ('problem' in given) {
      problems.push(`${name}: the spec rejects action.yml's default ${JSON.stringify(fallback)} (${given.problem})`);
    } else if ('problem' in unset) {
      problems.push(`${name}: action.yml defaults to ${JSON.stringify(fallback)}, the spec requires a value`);
    } else if (given.value !== unset.value) {
      problems.push(
        `${name}: action.yml defaults to ${JSON.stringify(fallback)} (${given.value}), the spec to ${unset.value}`,
      );
    }
  }
  return problems;
}

const root = join(import.meta.dirname, '..');
const actionInputs = (action: string): Record<string, YamlInput> =>
  (
    parseYaml(readFileSync(join(root, 'actions', action, 'action.yml'), 'utf8')) as {
      inputs?: Record<string, YamlInput>;
    }
  ).inputs ?? {};
const actions = readdirSync(join(root, 'actions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

describe('action.yml and the parseInputs spec agree', () => {
  test('every action has a reader here', () => {
    expect(Object.keys(readers).sort()).toEqual(actions.sort());
  });

  test.each(actions)('%s', async (action) => {
    expect(disagreements(actionInputs(action), await specsOf(action))).toEqual([]);
  });
});

describe('the comparison catches each kind of disagreement', () => {
  const copy = () => structuredClone(actionInputs('smoke-test'));
  test.each<[string, (inputs: Record<string, YamlInput>) => void, string]>([
    [
      'a default that differs',
      (i) => {
        i.timeout!.default = '11s';
      },
      'timeout: action.yml defaults to "11s" (11000), the spec to 10000',
    ],
    [
      'a default only the spec has',
      (i) => {
        delete i.deadline!.default;
      },
      'deadline: the spec defaults to 300000, action.yml declares no default',
    ],
    [
      'a default the spec rejects',
      (i) => {
        i.concurrency!.default = 'many';
      },
      'concurrency: the spec rejects action.yml\'s default "many" (concurrency: "many" is not a whole number; expected a whole number from 1 to 100)',
    ],
    [
      'required only in action.yml',
      (i) => {
        i.url!.required = true;
      },
      'url: required in action.yml, but the spec accepts it unset (undefined)',
    ],
    [
      'an input the spec lacks',
      (i) => {
        i['retry-count'] = { required: false };
      },
      'retry-count: in action.yml, not in the spec',
    ],
    [
      'an input action.yml lacks',
      (i) => {
        delete i['base-url'];
      },
      'base-url: in the spec, not in action.yml',
    ],
  ])('%s', async (_, mutate, problem) => {
    const inputs = copy();
    mutate(inputs);
    expect(disagreements(inputs, await specsOf('smoke-test'))).toEqual([problem]);
  });

  test('a spec that requires what action.yml leaves optional', () => {
    const inputs = { token: { required: false } };
    expect(disagreements(inputs, [{ token: shared.secret({ required: true }) }])).toEqual([
      'token: optional in action.yml, but the spec requires it',
    ]);
  });
});
