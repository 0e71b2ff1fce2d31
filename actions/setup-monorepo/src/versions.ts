import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../../../shared/errors.js';

/** Where a tool version came from, for the log and the summary. */
export interface VersionSource {
  spec: string;
  source: string;
}

export interface PackageJson {
  packageManager?: string;
  engines?: { node?: string; pnpm?: string };
  devEngines?: {
    runtime?: { name?: string; version?: string } | { name?: string; version?: string }[];
    packageManager?: { name?: string; version?: string } | { name?: string; version?: string }[];
  };
}

export function readPackageJson(dir: string): PackageJson {
  const file = join(dir, 'package.json');
  if (!existsSync(file))
    throw new ConfigurationError(`working-directory: ${file} does not exist; expected the monorepo root`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch (error) {
    throw new ConfigurationError(
      `package.json: is not valid JSON (${(error as Error).message}); expected a package manifest`,
    );
  }
}

const readText = (dir: string, name: string): string | undefined => {
  const file = join(dir, name);
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .map((s) => s.replace(/#.*/, '').trim())
    .find(Boolean);
  return line;
};

const pick = <T extends { name?: string; version?: string }>(value: T | T[] | undefined, name: string) =>
  (Array.isArray(value) ? value : value ? [value] : []).find((v) => v.name === name)?.version;

/** `v24` -> `24`; `lts/*` and aliases are refused (they need the network to resolve). */
export function normalizeNodeSpec(spec: string, source: string): string {
  const value = spec.trim().replace(/^v(?=\d)/, '');
  if (/^(lts\/|node$|stable$|latest$)/i.test(value)) {
    throw new ConfigurationError(
      `${source}: "${value}" is an alias; expected a version or range like 24 or 24.9.0 (aliases need nodejs.org to resolve)`,
    );
  }
  if (!/^[\d.xX*<>=~^| -]+$/.test(value)) {
    throw new ConfigurationError(
      `${source}: "${value}" is not a Node version; expected a version or range like 24 or >=22`,
    );
  }
  return value;
}

/**
 * The Node version spec: the input, else `.nvmrc`, `.node-version`, `devEngines.runtime`,
 * `engines.node`, in that order. `.nvmrc` and `.node-version` that disagree are a conflict.
 * Also returns the engines range the chosen version must satisfy (checked once resolved).
 */
export function nodeVersionSource(dir: string, pkg: PackageJson, input?: string): VersionSource & { engines?: string } {
  const engines = pkg.engines?.node;
  if (input) return { spec: normalizeNodeSpec(input, 'node-version'), source: 'input node-version', engines };
  const nvmrc = readText(dir, '.nvmrc');
  const nodeVersion = readText(dir, '.node-version');
  if (nvmrc && nodeVersion && normalizeNodeSpec(nvmrc, '.nvmrc') !== normalizeNodeSpec(nodeVersion, '.node-version')) {
    throw new ConfigurationError(
      `node-version: .nvmrc says ${nvmrc} but .node-version says ${nodeVersion}; expected one Node version (remove one file, or set the node-version input)`,
    );
  }
  if (nvmrc) return { spec: normalizeNodeSpec(nvmrc, '.nvmrc'), source: '.nvmrc', engines };
  if (nodeVersion) return { spec: normalizeNodeSpec(nodeVersion, '.node-version'), source: '.node-version', engines };
  const runtime = pick(pkg.devEngines?.runtime, 'node');
  if (runtime)
    return {
      spec: normalizeNodeSpec(runtime, 'devEngines.runtime'),
      source: 'package.json devEngines.runtime',
      engines,
    };
  if (engines) return { spec: normalizeNodeSpec(engines, 'engines.node'), source: 'package.json engines.node' };
  throw new ConfigurationError(
    'node-version: no Node version found; expected the node-version input, a .nvmrc or .node-version file, or engines.node / devEngines.runtime in package.json',
  );
}

export interface PnpmVersion {
  version: string;
  source: string;
  /** `sha512` hex digest of the package tarball from `packageManager` (corepack's form), if given. */
  sha512?: string;
}

/** pnpm from the input, else `packageManager` (`pnpm@10.34.8+sha512.<hex>`), else `devEngines.packageManager`. */
export function pnpmVersionSource(pkg: PackageJson, input?: string): PnpmVersion {
  const exact = (value: string, source: string) => {
    if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(value)) {
      throw new ConfigurationError(`${source}: "${value}" is not an exact pnpm version; expected one like 10.34.8`);
    }
    return value;
  };
  if (input) return { version: exact(input.trim(), 'pnpm-version'), source: 'input pnpm-version' };
  if (pkg.packageManager) {
    const match = /^([\w@/-]+)@([^+]+)(?:\+(\w+)\.([0-9a-f]+))?$/.exec(pkg.packageManager.trim());
    if (!match) {
      throw new ConfigurationError(
        `packageManager: "${pkg.packageManager}" is not valid; expected pnpm@<version> optionally followed by +sha512.<hex>`,
      );
    }
    if (match[1] !== 'pnpm') {
      throw new ConfigurationError(
        `packageManager: the monorepo uses ${match[1]}; expected pnpm (this action sets up pnpm workspaces)`,
      );
    }
    if (match[3] && match[3] !== 'sha512') {
      throw new ConfigurationError(`packageManager: hash ${match[3]} is not supported; expected +sha512.<hex>`);
    }
    const devPm = pick(pkg.devEngines?.packageManager, 'pnpm');
    if (devPm && /^\d+\.\d+\.\d+$/.test(devPm) && devPm !== match[2]) {
      throw new ConfigurationError(
        `packageManager: pnpm@${match[2]} conflicts with devEngines.packageManager pnpm@${devPm}; expected one pnpm version`,
      );
    }
    return { version: exact(match[2]!, 'packageManager'), source: 'package.json packageManager', sha512: match[4] };
  }
  const devPm = pick(pkg.devEngines?.packageManager, 'pnpm');
  if (devPm)
    return { version: exact(devPm, 'devEngines.packageManager'), source: 'package.json devEngines.packageManager' };
  throw new ConfigurationError(
    'pnpm-version: no pnpm version found; expected the pnpm-version input or "packageManager": "pnpm@<version>" in package.json',
  );
}

/** Go from `go.mod`: the `toolchain goX.Y.Z` line wins over the `go X.Y[.Z]` line. Undefined without go.mod. */
export function goVersionSource(dir: string, input?: string): VersionSource | undefined {
  if (input === 'false') return undefined;
  if (input) return { spec: input.replace(/^go/, ''), source: 'input go-version' };
  const file = join(dir, 'go.mod');
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const toolchain = /^toolchain\s+go(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(text);
  if (toolchain) return { spec: toolchain[1]!, source: 'go.mod toolchain' };
  const go = /^go\s+(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(text);
  if (!go) throw new ConfigurationError('go.mod: has no "go" line; expected go 1.X or go 1.X.Y');
  // `go 1.21` means 1.21.0 for Go >= 1.21; older two-part versions name the first release.
  const parts = go[1]!.split('.');
  return { spec: parts.length === 2 && Number(parts[1]) >= 21 ? `${go[1]}.0` : go[1]!, source: 'go.mod go' };
}
