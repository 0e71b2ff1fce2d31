import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import { setOutput } from '../../../shared/action.js';
import { ConfigurationError } from '../../../shared/errors.js';
import { ExecError, exec } from '../../../shared/exec.js';
import { group, info } from '../../../shared/log.js';
import { registerSecretUrl } from '../../../shared/secrets.js';
import { affectedPackages, changedFiles, ensureBase, resolveBase, workspacePackages } from './affected.js';
import { type BackendConfig, makeBackend, type RestoreOutcome, restoreOne } from './caches.js';
import { getInputs } from './inputs.js';
import {
  type CacheId,
  type CacheSpec,
  cacheKeys,
  type EventPayload,
  hashFiles,
  isForkPullRequest,
  runnerArch,
  runnerOs,
} from './keys.js';
import { writeSetupSummary } from './report.js';
import { markMainFinished, type PostState, savePostState } from './state.js';
import { setupGo, setupNode, setupPnpm, type Tool } from './toolchain.js';
import { goVersionSource, nodeVersionSource, pnpmVersionSource, readPackageJson } from './versions.js';

function eventPayload(): EventPayload {
  const path = process.env.GITHUB_EVENT_PATH;
  if (!path || !existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as EventPayload;
  } catch {
    return {};
  }
}

export async function main(): Promise<void> {
  const inputs = getInputs();
  for (const mirror of [inputs.nodeMirror, inputs.pnpmMirror, inputs.goMirror]) registerSecretUrl(mirror.href);
  const pkg = readPackageJson(inputs.cwd);
  const nodeSource = nodeVersionSource(inputs.cwd, pkg, inputs.nodeVersion);
  const pnpmSource = pnpmVersionSource(pkg, inputs.pnpmVersion);
  const goSource = goVersionSource(inputs.cwd, inputs.goVersion);
  const lockfile = join(inputs.cwd, 'pnpm-lock.yaml');
  const frozen = inputs.installArgs.includes('--frozen-lockfile');
  if (inputs.install && frozen && !existsSync(lockfile)) {
    throw new ConfigurationError(
      `install-args: --frozen-lockfile needs ${lockfile}, which does not exist; expected a committed pnpm-lock.yaml (or install-args without --frozen-lockfile)`,
    );
  }
  const eventName = process.env.GITHUB_EVENT_NAME;
  const payload = eventPayload();

  const tools: Tool[] = await group('Toolchains', async () => {
    const node = await setupNode(
      nodeSource.spec,
      nodeSource.engines,
      nodeSource.source,
      inputs.nodeMirror,
      inputs.mirrorToken,
    );
    const pnpm = await setupPnpm(
      pnpmSource.version,
      pnpmSource.source,
      pnpmSource.sha512,
      inputs.pnpmMirror,
      inputs.mirrorToken,
    );
    const go = goSource
      ? await setupGo(goSource.spec, goSource.source, inputs.goMirror, inputs.mirrorToken)
      : undefined;
    return go ? [node, pnpm, go] : [node, pnpm];
  });
  const version = (name: Tool['name']) => tools.find((t) => t.name === name)?.version;
  const pnpmBin = tools[1]!.binDir ? join(tools[1]!.binDir, 'pnpm') : 'pnpm';
  setOutput('node-version', version('node'));
  setOutput('pnpm-version', version('pnpm'));
  setOutput('go-version', version('go') ?? '');

  const fork = isForkPullRequest(eventName, payload, process.env.GITHUB_REPOSITORY);
  const state: PostState = {
    caches: [],
    saveAllowed: inputs.saveCache && !fork && inputs.cacheBackend !== 'none',
    saveBlockedReason: fork ? 'fork pull request' : !inputs.saveCache ? 'save-cache is false' : undefined,
    saveOnFailure: inputs.saveOnFailure,
    pnpm: pnpmBin,
    pathDirs: tools.flatMap((t) => (t.binDir ? [t.binDir] : [])),
    cwd: inputs.cwd,
  };
  const restores: RestoreOutcome[] = [];
  if (inputs.cacheBackend !== 'none') {
    await group('Restore caches', async () => {
      const backend: BackendConfig = {
        kind: inputs.cacheBackend as 'github' | 'local',
        dir: inputs.cacheDir,
        limitBytes: inputs.cacheSizeLimitMb * 1048576,
        timeoutMs: inputs.restoreTimeout,
      };
      state.backend = backend;
      const packages = workspacePackages(inputs.cwd);
      const storePath = (await exec(pnpmBin, ['store', 'path'], { cwd: inputs.cwd, stream: false })).stdout.trim();
      let goPaths: string[] = [];
      if (goSource && inputs.cacheGo) {
        goPaths = (await exec('go', ['env', 'GOMODCACHE', 'GOCACHE'], { cwd: inputs.cwd, stream: false })).stdout
          .trim()
          .split('\n');
      }
      const manifests = [
        'pnpm-lock.yaml',
        'package.json',
        'pnpm-workspace.yaml',
        '.npmrc',
        ...packages.map((p) => `${p.path}/package.json`),
      ];
      const keys = cacheKeys({
        prefix: inputs.cachePrefix,
        os: runnerOs(),
        arch: runnerArch(),
        nodeVersion: version('node')!,
        pnpmVersion: version('pnpm')!,
        lockHash: hashFiles(inputs.cwd, ['pnpm-lock.yaml']),
        manifestHash: hashFiles(inputs.cwd, manifests),
        sha: process.env.GITHUB_SHA ?? 'unknown',
        goVersion: version('go'),
        goSumHash: hashFiles(inputs.cwd, ['go.sum']),
      });
      const spec = (id: CacheId, paths: string[]): CacheSpec => ({ id, paths, ...keys[id] });
      const plan: CacheSpec[] = [];
      if (inputs.cacheNodeModules) {
        plan.push(
          spec('node-modules', [
            join(inputs.cwd, 'node_modules'),
            ...packages.map((p) => join(inputs.cwd, p.path, 'node_modules')),
          ]),
        );
      }
      plan.push(spec('pnpm-store', [storePath]));
      if (inputs.cacheTurbo) plan.push(spec('turbo', [join(inputs.cwd, '.turbo/cache')]));
      if (goPaths.length === 2) plan.push(spec('go-mod', [goPaths[0]!]), spec('go-build', [goPaths[1]!]));

      const store = makeBackend(backend);
      for (const cache of plan) {
        // An exact node_modules hit makes the store unnecessary for this job: no restore, no save.
        if (cache.id === 'pnpm-store' && restores.some((r) => r.id === 'node-modules' && r.hit === 'exact')) {
          info('pnpm-store: not restored, node_modules came from the cache on its exact key');
          state.caches.push({ ...cache, hit: 'skipped' });
          continue;
        }
        const outcome = await restoreOne(store, cache, inputs.restoreTimeout);
        restores.push(outcome);
        state.caches.push({ ...cache, hit: outcome.hit });
      }
    });
  }
  savePostState(state);
  const hit = (id: CacheId) => {
    const r = restores.find((x) => x.id === id);
    return r ? String(r.hit === 'exact') : 'false';
  };
  setOutput('cache-hit-pnpm-store', hit('pnpm-store'));
  setOutput('cache-hit-node-modules', hit('node-modules'));
  setOutput('cache-hit-turbo', hit('turbo'));
  setOutput('cache-hit-go', String(hit('go-mod') === 'true' && hit('go-build') === 'true'));
  setOutput('cache-hits', Object.fromEntries(restores.map((r) => [r.id, r.hit])));

  let installMs: number | undefined;
  if (inputs.install) {
    installMs = await group('Install', async () => {
      const started = Date.now();
      try {
        await exec(pnpmBin, ['install', ...inputs.installArgs], { cwd: inputs.cwd });
      } catch (error) {
        if (
          error instanceof ExecError &&
          /ERR_PNPM_OUTDATED_LOCKFILE|ERR_PNPM_LOCKFILE_CONFIG_MISMATCH/.test(error.result.stdout + error.result.stderr)
        ) {
          throw new ConfigurationError(
            'pnpm-lock.yaml: does not match package.json (pnpm refused a frozen install: ERR_PNPM_OUTDATED_LOCKFILE); expected a lockfile updated with `pnpm install` and committed',
          );
        }
        throw error;
      }
      return Date.now() - started;
    });
    setOutput('install-time-ms', String(installMs));
  }

  let affected: { names: string[]; base?: string; kind?: string; from?: string; error?: string } = { names: [] };
  if (inputs.affected) {
    affected = await group('Affected packages', async () => {
      const { base, kind, mergeBase } = resolveBase(eventName, payload, inputs.affectedBase, inputs.defaultBranch);
      const from = await ensureBase(inputs.cwd, base, mergeBase, inputs.fetchDepth);
      const files = await changedFiles(inputs.cwd, from);
      const packages = workspacePackages(inputs.cwd);
      const list = affectedPackages(packages, files, inputs.globalFiles);
      info(
        `base ${base} (${kind}) -> ${from}; ${files.length} changed file(s); affected: ${list.map((p) => p.name).join(', ') || 'none'}`,
      );
      setOutput(
        'affected',
        list.map((p) => p.name),
      );
      setOutput('affected-matrix', { include: list.map((p) => ({ name: p.name, path: p.path })) });
      setOutput('affected-count', String(list.length));
      setOutput('affected-base', from);
      core.exportVariable('TURBO_SCM_BASE', from);
      return { names: list.map((p) => p.name), base, kind, from };
    });
  }
  markMainFinished();
  await writeSetupSummary({ tools, restores, installMs, affected, backend: state.backend?.kind ?? 'none', state });
}
