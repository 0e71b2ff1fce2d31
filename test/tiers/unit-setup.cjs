// The unit tier has no processes and no infrastructure: starting a child process throws, so a test
// that needs one is named `*.int.test.ts` instead of passing by luck on a machine that has Docker.
// The guard is installed before the test file is loaded (jest builds the test's view of
// `node:child_process` when the file imports it) and removed after the file: jest runs the files of
// both tiers in one process when it runs in band, and the guard must not leak into integration files.
const childProcess = require('node:child_process');

const names = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'];
const originals = Object.fromEntries(names.map((name) => [name, childProcess[name]]));

for (const name of names) {
  childProcess[name] = () => {
    throw new Error(`unit tests start no processes (child_process.${name}): name the file *.int.test.ts`);
  };
}

afterAll(() => {
  for (const name of names) childProcess[name] = originals[name];
});
