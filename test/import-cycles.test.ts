import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { checkImportCycles } from '../scripts/lib/index.mjs';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A tree of source files in a temp root. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cycles-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('npm run check: import cycles', () => {
  test.each<[string, Record<string, string>, { path: string; line: number; cycle: string }[]]>([
    [
      'a type-only cycle between two modules (setup-monorepo main.ts <-> report.ts had one)',
      {
        'actions/x/src/main.ts': "import { report } from './report.js';\nexport interface State { a: 1 }\n",
        'actions/x/src/report.ts': "import type { State } from './main.js';\nexport const report = (s: State) => s;\n",
      },
      [
        {
          path: 'actions/x/src/main.ts',
          line: 1,
          cycle: 'actions/x/src/main.ts -> actions/x/src/report.ts -> actions/x/src/main.ts',
        },
      ],
    ],
    [
      'a three-module cycle across folders, through a multi-line import and a re-export',
      {
        'local/a.ts': "import {\n  b,\n} from './sub/b.js';\nexport const a = b;\n",
        'local/sub/b.ts': "export { c as b } from '../c.mjs';\n",
        'local/c.mjs': "import { a } from './a.js';\nexport const c = 1;\n",
      },
      [{ path: 'local/a.ts', line: 3, cycle: 'local/a.ts -> local/sub/b.ts -> local/c.mjs -> local/a.ts' }],
    ],
    [
      'one-way imports, a lazy import() back and a package import: no cycle',
      {
        'shared/a.ts': "import { b } from './b.js';\nimport * as core from '@actions/core';\nexport const a = b;\n",
        'shared/b.ts': "export const b = 1;\nexport const later = () => import('./a.js');\n",
      },
      [],
    ],
    [
      'files outside actions/, shared/ and local/ are not read',
      {
        'bench/a.ts': "import './b.js';\n",
        'bench/b.ts': "import './a.js';\n",
      },
      [],
    ],
  ])('%s', (_, files, expected) => {
    const problems = checkImportCycles(tree(files));
    expect(
      problems.map((p) => ({
        path: p.path,
        line: p.line,
        cycle: p.message.split('; ')[0]!.replace('import cycle: ', ''),
      })),
    ).toEqual(expected);
  });
});
