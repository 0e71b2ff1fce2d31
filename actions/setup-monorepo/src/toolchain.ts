import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as core from '@actions/core';
import { ConfigurationError, errorMessage } from '../../../shared/errors.js';
import { exec } from '../../../shared/exec.js';
import { fetchWithRetry } from '../../../shared/http.js';
import { info } from '../../../shared/log.js';
import { displayUrl } from '../../../shared/secrets.js';

export type ToolOrigin = 'on PATH' | 'tool cache' | 'downloaded';

export interface Tool {
  name: 'node' | 'pnpm' | 'go';
  version: string;
  source: string;
  origin: ToolOrigin;
  /** The directory put on PATH (absent when the tool was already there). */
  binDir?: string;
  ms: number;
}

type ToolCache = typeof import('@actions/tool-cache');
const toolCache = (): Promise<ToolCache> => import('@actions/tool-cache');

export const nodeArch = (arch: string = process.arch): string => (arch === 'x64' ? 'x64' : arch);
export const goArch = (arch: string = process.arch): string =>
  ({ x64: 'amd64', arm64: 'arm64', ia32: '386' })[arch] ?? arch;

/** The version a program on PATH reports, or undefined when it is not there. */
async function versionOnPath(program: string, args: string[], parse: (out: string) => string | undefined) {
  try {
    const result = await exec(program, args, { stream: false, allowFailure: true });
    return result.exitCode === 0 ? parse(result.stdout.trim()) : undefined;
  } catch {
    return undefined;
  }
}

const withSlash = (url: URL): string => (url.href.endsWith('/') ? url.href : `${url.href}/`);
const authHeader = (token?: string) => (token ? `Bearer ${token}` : undefined);

async function download(tc: ToolCache, url: string, what: string, token?: string): Promise<string> {
  try {
    return await tc.downloadTool(url, undefined, authHeader(token));
  } catch (error) {
    throw new Error(`could not download ${what} from ${displayUrl(url)}: ${errorMessage(error)}`);
  }
}

/** Node: on PATH at a matching version, else the tool cache, else the mirror (index.json resolves ranges). */
export async function setupNode(
  spec: string,
  engines: string | undefined,
  source: string,
  mirror: URL,
  token?: string,
) {
  const started = Date.now();
  const tc = await toolCache();
  const matches = (version: string, range: string) => tc.evaluateVersions([version], range) === version;
  const checkEngines = (version: string) => {
    if (engines && !matches(version, engines)) {
      throw new ConfigurationError(
        `node-version: Node ${version} (from ${source}) does not satisfy engines.node "${engines}" in package.json; expected versions that agree`,
      );
    }
  };
  const done = (version: string, origin: ToolOrigin, binDir?: string): Tool => {
    checkEngines(version);
    if (binDir) core.addPath(binDir);
    info(`Node ${version} (${source}, ${origin})`);
    return { name: 'node', version, source, origin, binDir, ms: Date.now() - started };
  };
  const current = await versionOnPath('node', ['--version'], (out) => out.replace(/^v/, ''));
  if (current && matches(current, spec)) return done(current, 'on PATH');
  const arch = nodeArch();
  const cached = tc.find('node', spec, arch);
  if (cached) return done(basename(dirname(cached)), 'tool cache', join(cached, 'bin'));

  const base = withSlash(mirror);
  let version = spec;
  if (!tc.isExplicitVersion(spec)) {
    const response = await fetchWithRetry(
      `${base}index.json`,
      { headers: token ? { authorization: `Bearer ${token}` } : {}, timeoutMs: 30_000 },
      { label: 'Node version index', attempts: 3 },
    ).catch((error: unknown) => {
      throw new Error(
        `could not read the Node version index at ${displayUrl(`${base}index.json`)}: ${errorMessage(error)}`,
      );
    });
    const index = (await response.json()) as { version: string }[];
    version = tc.evaluateVersions(
      index.map((r) => r.version.replace(/^v/, '')),
      spec,
    );
    if (!version) throw new Error(`no Node release matching "${spec}" in ${displayUrl(`${base}index.json`)}`);
  }
  const name = `node-v${version}-linux-${arch}`;
  const archive = await download(tc, `${base}v${version}/${name}.tar.gz`, `Node ${version}`, token);
  const extracted = await tc.extractTar(archive);
  const dir = await tc.cacheDir(join(extracted, name), 'node', version, arch);
  return done(version, 'downloaded', join(dir, 'bin'));
}

async function sha512Hex(file: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** pnpm: the npm package tarball from the registry (or its mirror), run by the Node on PATH. */
export async function setupPnpm(
  version: string,
  source: string,
  sha512: string | undefined,
  mirror: URL,
  token?: string,
) {
  const started = Date.now();
  const done = (origin: ToolOrigin, binDir?: string): Tool => {
    if (binDir) core.addPath(binDir);
    info(`pnpm ${version} (${source}, ${origin})`);
    return { name: 'pnpm', version, source, origin, binDir, ms: Date.now() - started };
  };
  const current = await versionOnPath('pnpm', ['--version'], (out) => out.split('\n').pop());
  if (current === version) return done('on PATH');
  const tc = await toolCache();
  const cached = tc.find('pnpm', version);
  if (cached) return done('tool cache', join(cached, 'bin'));
  const url = `${withSlash(mirror)}pnpm/-/pnpm-${version}.tgz`;
  const archive = await download(tc, url, `pnpm ${version}`, token);
  if (sha512) {
    const actual = await sha512Hex(archive);
    if (actual !== sha512) {
      throw new Error(
        `pnpm ${version} from ${displayUrl(url)} has sha512 ${actual.slice(0, 16)}…, but packageManager pins ${sha512.slice(0, 16)}…`,
      );
    }
    info(`pnpm ${version}: sha512 matches packageManager`);
  }
  const extracted = await tc.extractTar(archive);
  const bin = join(extracted, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const [command, script] of [
    ['pnpm', 'pnpm.cjs'],
    ['pnpx', 'pnpx.cjs'],
  ] as const) {
    writeFileSync(join(bin, command), `#!/bin/sh\nexec node "$(dirname "$0")/../package/bin/${script}" "$@"\n`);
    chmodSync(join(bin, command), 0o755);
  }
  const dir = await tc.cacheDir(extracted, 'pnpm', version);
  return done('downloaded', join(dir, 'bin'));
}

/** Go from go.dev/dl (or its mirror). */
export async function setupGo(version: string, source: string, mirror: URL, token?: string) {
  const started = Date.now();
  const done = (origin: ToolOrigin, binDir?: string): Tool => {
    if (binDir) core.addPath(binDir);
    info(`Go ${version} (${source}, ${origin})`);
    return { name: 'go', version, source, origin, binDir, ms: Date.now() - started };
  };
  const current = await versionOnPath('go', ['env', 'GOVERSION'], (out) => out.replace(/^go/, ''));
  if (current === version) return done('on PATH');
  const tc = await toolCache();
  const arch = goArch();
  const cached = tc.find('go', version, arch);
  if (cached) return done('tool cache', join(cached, 'bin'));
  const archive = await download(tc, `${withSlash(mirror)}go${version}.linux-${arch}.tar.gz`, `Go ${version}`, token);
  const extracted = await tc.extractTar(archive);
  const dir = await tc.cacheDir(join(extracted, 'go'), 'go', version, arch);
  return done('downloaded', join(dir, 'bin'));
}
