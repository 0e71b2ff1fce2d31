import { isAbsolute, resolve } from 'node:path';
import {
  boolean,
  choice,
  duration,
  integer,
  JOB_LIMIT_MS,
  list,
  parseInputs,
  type ReadInput,
  requireThat,
  secret,
  string,
  url,
} from '../../../shared/inputs.js';

const VERSION = /^[\w.+\-<>=~^*| ]+$/;
const versionField = (expected: string) => string({ pattern: VERSION, expected });
/** `1.23`, `1.23.4`, `go1.24rc1`; or `false` (exactly) to skip Go. `no`, `FALSE`, `latest` are neither. */
const GO_VERSION = /^(false|(go)?\d+\.\d+(\.\d+)?((rc|beta)\d+)?)$/;

/** Every input of setup-monorepo, validated before the first side effect. */
export function getInputs(read?: ReadInput) {
  const inputs = parseInputs(
    {
      workingDirectory: string({ default: '.' }),
      nodeVersion: versionField('a Node version or range like 24, 24.9.0 or >=22'),
      pnpmVersion: versionField('a pnpm version like 10.34.8'),
      goVersion: string({ pattern: GO_VERSION, expected: 'a Go version like 1.23 or 1.23.4, or false to skip Go' }),
      nodeMirror: url({ default: new URL('https://nodejs.org/dist/') }),
      pnpmMirror: url({ default: new URL('https://registry.npmjs.org/') }),
      goMirror: url({ default: new URL('https://go.dev/dl/') }),
      mirrorToken: secret(),
      cacheBackend: choice(['github', 'local', 'none'] as const, { default: 'github' }),
      cacheDir: string(),
      cacheSizeLimitMb: integer({ default: 10_240, min: 1, max: 1_048_576 }),
      cachePrefix: string({
        default: 'v1',
        pattern: /^[\w.-]{1,40}$/,
        expected: 'letters, digits, _ . - (at most 40)',
      }),
      cacheNodeModules: boolean({ default: false }),
      cacheTurbo: boolean({ default: true }),
      cacheGo: boolean({ default: true }),
      saveCache: boolean({ default: true }),
      saveOnFailure: boolean({ default: false }),
      jobStatus: choice(['success', 'failure', 'cancelled'] as const, { default: 'success' }),
      // Restoring a cache never needs longer than the job may run.
      restoreTimeout: duration({ default: 600_000, min: 1_000, max: JOB_LIMIT_MS }),
      install: boolean({ default: true }),
      installArgs: list({ default: ['--frozen-lockfile'] }),
      affected: boolean({ default: true }),
      affectedBase: string({ pattern: /^[^\s-][^\s]*$/, expected: 'a commit SHA or ref' }),
      defaultBranch: string({ pattern: /^[^\s-][^\s]*$/, expected: 'a branch name' }),
      globalFiles: list({ default: ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json', 'turbo.json'] }),
      fetchDepth: integer({ default: 100, min: 1, max: 1_000_000 }),
    },
    read,
  );
  requireThat(
    inputs.cacheBackend !== 'local' || Boolean(inputs.cacheDir),
    'cache-dir',
    'is required when cache-backend is local',
    'a directory for the local cache',
  );
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const cwd = isAbsolute(inputs.workingDirectory)
    ? inputs.workingDirectory
    : resolve(workspace, inputs.workingDirectory);
  const cacheDir = inputs.cacheDir ? resolve(workspace, inputs.cacheDir) : undefined;
  return { ...inputs, cwd, cacheDir };
}

export type Inputs = ReturnType<typeof getInputs>;
