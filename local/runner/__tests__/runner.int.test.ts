// biome-ignore-all lint/suspicious/noTemplateCurlyInString: workflow expressions are the subject
/**
 * Unit tests of the local workflow runner (fast: no infrastructure). They use the bundle
 * (local/runner/dist/runner.mjs, built first) because @actions/workflow-parser only runs bundled.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Runner from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURES = 'local/runner/__tests__/fixtures';
let runner: typeof Runner;

const runDirs: string[] = [];
afterAll(() => {
  for (const dir of runDirs) rmSync(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  const { buildRunner, RUNNER_BUNDLE } = await import(join(ROOT, 'local/runner/build.mjs'));
  await buildRunner();
  runner = await import(RUNNER_BUNDLE);
});

const contexts = {
  github: { ref: 'refs/heads/main', event_name: 'push', event: { head_commit: { message: 'fix: it' } } },
  env: { STAGE: 'staging' },
  inputs: { replicas: 2, 'dry-run': false, services: '["api","web"]' },
  needs: { build: { result: 'success', outputs: { image: 'api:1' } } },
  matrix: { service: 'api' },
};

describe('expressions (@actions/expressions with the runner functions)', () => {
  test.each([
    ["github.ref == 'refs/heads/main'", true],
    ['inputs.replicas', 2],
    ['inputs.replicas >= 2', true],
    ["format('{0}-{1}', env.STAGE, matrix.service)", 'staging-api'],
    ["format('it''s ''{0}''', 'quoted')", "it's 'quoted'"],
    ["'a''b''c'", "a'b'c"],
    ['fromJSON(inputs.services)[1]', 'web'],
    ["contains(fromJSON(inputs.services), 'api')", true],
    ["startsWith(github.event.head_commit.message, 'fix:')", true],
    ['needs.build.outputs.image', 'api:1'],
    ["needs.missing.outputs.image || 'none'", 'none'],
    ['inputs.dry-run', false],
    ["inputs.dry-run && 'plan' || 'deploy'", 'deploy'],
    ['toJSON(matrix)', '{\n  "service": "api"\n}'],
    ["join(fromJSON('[1,2]'), '+')", '1+2'],
    ['GITHUB.REF', 'refs/heads/main'],
  ])('%s', (expression, expected) => {
    expect(runner.evaluate(expression, contexts)).toEqual(expected);
  });

  test('unknown contexts and functions fail with the expression', () => {
    expect(() => runner.evaluate('nope.x', contexts)).toThrow(/nope/);
    expect(() => runner.evaluate('frobnicate(1)', contexts)).toThrow(/frobnicate/);
  });

  const status = (s: 'success' | 'failure' | 'cancelled') => ({
    success: () => s === 'success',
    failure: () => s === 'failure',
    cancelled: () => s === 'cancelled',
  });
  test.each([
    [undefined, 'success', true],
    [undefined, 'failure', false],
    ["github.ref == 'refs/heads/main'", 'success', true],
    ["github.ref == 'refs/heads/main'", 'failure', false],
    ['${{ always() }}', 'failure', true],
    ['failure()', 'failure', true],
    ['failure()', 'success', false],
    ['!cancelled()', 'failure', true],
    ['cancelled()', 'cancelled', true],
    ["success() || github.ref == 'x'", 'failure', false],
    ["${{ github.ref == 'refs/heads/main' }}", 'success', true],
  ] as const)('if: %s when %s -> %s', (condition, state, expected) => {
    expect(runner.evaluateCondition(condition, contexts, { status: status(state) })).toBe(expected);
  });

  test('interpolate (action.yml defaults)', () => {
    expect(runner.interpolate('${{ github.ref }} in ${{ env.STAGE }}', contexts)).toBe('refs/heads/main in staging');
  });
});

describe('matrix expansion', () => {
  test.each([
    [
      'product',
      { a: [1, 2], b: ['x', 'y'] },
      [
        { a: 1, b: 'x' },
        { a: 1, b: 'y' },
        { a: 2, b: 'x' },
        { a: 2, b: 'y' },
      ],
    ],
    [
      'exclude',
      { a: [1, 2], b: ['x', 'y'], exclude: [{ a: 1, b: 'y' }] },
      [
        { a: 1, b: 'x' },
        { a: 2, b: 'x' },
        { a: 2, b: 'y' },
      ],
    ],
    [
      'exclude partial',
      { a: [1, 2], b: ['x', 'y'], exclude: [{ a: 1 }] },
      [
        { a: 2, b: 'x' },
        { a: 2, b: 'y' },
      ],
    ],
    ['include extends matching', { a: [1, 2], include: [{ a: 1, port: 80 }] }, [{ a: 1, port: 80 }, { a: 2 }]],
    [
      'include adds to all when no original key',
      { a: [1, 2], include: [{ color: 'green' }] },
      [
        { a: 1, color: 'green' },
        { a: 2, color: 'green' },
      ],
    ],
    ['include new combination', { a: [1], include: [{ a: 3, extra: true }] }, [{ a: 1 }, { a: 3, extra: true }]],
    ['include only', { include: [{ svc: 'api' }, { svc: 'web' }] }, [{ svc: 'api' }, { svc: 'web' }]],
  ])('%s', (_name, matrix, expected) => {
    expect(runner.expandMatrix(matrix)).toEqual(expected);
  });

  test('a non-list dimension is an error', () => {
    expect(() => runner.expandMatrix({ a: 'x' })).toThrow(/strategy.matrix.a must be a list/);
  });
});

describe('running workflows', () => {
  const run = async (workflow: string, extra: Partial<Runner.RunOptions> = {}) => {
    const lines: string[] = [];
    const result = await runner.runWorkflow({
      workflow: join(ROOT, FIXTURES, workflow),
      repoRoot: ROOT,
      workspace: ROOT,
      runDir: runDirs[runDirs.push(mkdtempSync(join(tmpdir(), 'runner-test-'))) - 1],
      print: (line) => lines.push(line),
      ...extra,
    });
    const job = (key: string) => result.jobs.find((j) => j.key === key);
    return { result, lines, log: lines.join('\n'), job };
  };

  test('needs, outputs, matrix, env, a node action with its post step, and a reusable workflow with inputs, secrets and outputs', async () => {
    const secret = 's3cret-token-value';
    const { result, log, job } = await run('main.yml', { secrets: { API_TOKEN: secret } });
    expect(result.error).toBeUndefined();
    expect(result.conclusion).toBe('success');
    expect(job('setup')?.outputs).toEqual({ services: '["api","web"]' }); // the secret output is dropped
    expect(job('build (api, 24, 3000)')?.result).toBe('success');
    expect(job('build (web, 24)')?.result).toBe('success');
    expect(job('greet')?.outputs.greeting).toBe('hello world');
    expect(job('greet')?.steps.map((s) => s.name)).toContain('Post ./local/runner/__tests__/fixtures/actions/greet');
    expect(log).toMatch(/post saw state greeted=world path-has-greet=true/);
    expect(job('greet')?.annotations).toEqual([
      { level: 'warning', message: 'something to look at', file: 'src/app.ts', line: 7, title: 'Fixture' },
    ]);
    // The reusable workflow: its job ran under the caller's key, its output reached `needs`.
    expect(job('deploy / deploy')?.result).toBe('success');
    expect(job('deploy')?.outputs).toEqual({ url: 'http://staging.local/api:24-3000-2' });
    expect(job('never')?.result).toBe('skipped');
    expect(job('report')?.result).toBe('success');
    // Masking: secrets given to the run and ::add-mask:: values never reach the log or the report.
    expect(log).toMatch(/the token is \*\*\*/);
    expect(log).not.toContain(secret);
    const report = readFileSync(result.reportPath, 'utf8');
    expect(report).not.toContain(secret);
    expect(report).toMatch(/### Greeted world/);
    expect(report).toMatch(/### report ok/);
    expect(log).toMatch(/Warning: skip output 'token' since it may contain secret/);
  });

  test('failures: fail-fast matrix, skipped dependents, if: failure() and always(), post steps after a failed step', async () => {
    const { result, log, job } = await run('failure.yml');
    expect(result.conclusion).toBe('failure');
    expect(job('build (1)')?.result).toBe('success');
    expect(job('build (2)')?.result).toBe('failure');
    expect(job('build (3)')?.result).toBe('cancelled');
    expect(job('deploy')?.result).toBe('skipped');
    const rollback = job('rollback');
    expect(rollback?.result).toBe('failure');
    expect(rollback?.steps.map((s) => [s.name, s.outcome])).toEqual([
      ['actions/checkout@v4', 'success'],
      ['./local/runner/__tests__/fixtures/actions/greet', 'failure'],
      ['after a failed step', 'skipped'],
      ['cleanup', 'success'],
      ['Post ./local/runner/__tests__/fixtures/actions/greet', 'success'],
    ]);
    expect(log).toMatch(/cleanup with job status failure/);
    expect(log).toMatch(/Error: asked to fail/);
    expect(log).toMatch(/deploy=skipped rollback=failure/);
  });

  test('an action the runner cannot run fails before anything runs, with file and line', async () => {
    const { result, log } = await run('unsupported.yml');
    expect(result.conclusion).toBe('failure');
    expect(result.jobs).toEqual([]);
    expect(result.error).toMatch(
      /^local\/runner\/__tests__\/fixtures\/unsupported.yml:8: uses: some-org\/some-action@v1 is not available/,
    );
    expect(log).not.toMatch(/echo fine/);
  });

  test('an invalid workflow is reported with the parser message and position', async () => {
    const { result } = await run('invalid.yml');
    expect(result.error).toMatch(/invalid.yml.*Line: \d+/s);
  });

  test('a reusable workflow call without a required input fails with the caller line', async () => {
    const { result } = await run('missing-input.yml');
    expect(result.conclusion).toBe('failure');
    expect(result.jobs[0]?.notes.join()).toMatch(/missing-input.yml:\d+: .*required input image/);
  });
});
