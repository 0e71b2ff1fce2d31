// The unit tier's promise (no processes) is enforced, not hoped for: this file would pass in the
// integration tier too, so it checks the guard that test/tiers/unit-setup.cjs installs.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { expect, test } from '@jest/globals';

test.each([
  ['spawn', () => spawn('true')],
  ['spawnSync', () => spawnSync('true')],
  ['execFileSync', () => execFileSync('true')],
])('a unit test cannot start a process (%s)', (_name, start) => {
  expect(start).toThrow(/unit tests start no processes .*\*\.int\.test\.ts/);
});
