import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';

/** Every print of the suite goes through shared/log.ts (core.warning/error/setFailed escape their data). */
describe('no other print path', () => {
  const root = join(import.meta.dirname, '..', '..');
  const sources = [
    ...readdirSync(join(root, 'shared'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join('shared', f)),
    ...readdirSync(join(root, 'actions')).flatMap((action) =>
      readdirSync(join(root, 'actions', action, 'src'), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join('actions', action, 'src', f)),
    ),
  ].filter((f) => f !== join('shared', 'log.ts'));
  const PRINT = /\bcore\.info\(|\bconsole\.(log|info|warn|error|debug)\(|process\.std(out|err)\.write\(/;

  test('the pattern sees each print path', () => {
    for (const call of ['core.info(`x`)', 'console.log(x)', 'process.stdout.write(x)', 'process.stderr.write(x)']) {
      expect(PRINT.test(call)).toBe(true);
    }
    expect(PRINT.test('info(`x`)')).toBe(false);
  });
  test('the scan covers every action', () => {
    expect(sources.filter((f) => f.endsWith('main.ts')).length).toBeGreaterThanOrEqual(6);
  });
  test.each(sources)('%s prints only through shared/log.ts', (file) => {
    const offending = readFileSync(join(root, file), 'utf8')
      .split('\n')
      .map((line, i) => `${i + 1}: ${line.trim()}`)
      .filter((line) => PRINT.test(line));
    expect(offending).toEqual([]);
  });
});
