import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { rootCertificates } from 'node:tls';
import { ConfigurationError } from '../../../shared/errors.js';
import {
  boolean,
  controlProblem,
  duration,
  type Field,
  InputProblem,
  inputName,
  integer,
  keyValues,
  parseInputs,
  type ReadInput,
  string,
  url,
  yaml,
} from '../../../shared/inputs.js';
import { registerSecret, registerUrlCredentials } from '../../../shared/secrets.js';
import { type CheckSpec, type ChecksDocument, type Defaults, documentSchema } from './config.js';
import type { Check } from './engine.js';
import { type Expectations, parseJsonPath, parseStatusSet, type StatusSet, type VersionSource } from './expect.js';

/** The checks document as a field: every line of a multi-problem error names the input. */
function checksDocument(): Field<ChecksDocument | undefined> {
  const parse = yaml(documentSchema, {
    expected: 'a YAML list of checks, or defaults: and checks: (see action-docs/smoke-test.md)',
  });
  return (raw, name) => {
    try {
      return parse(raw, name);
    } catch (error) {
      if (error instanceof InputProblem) throw new InputProblem(error.message.replace(/\n/g, `\n${name}: `));
      throw error;
    }
  };
}

const versionFrom = (raw: string, name: string): VersionSource | undefined => {
  if (raw === '') return undefined;
  const expected = 'header:<name> or json-path:<path>, e.g. json-path:$.commit';
  const control = controlProblem(raw);
  if (control) throw new InputProblem(`${name}: ${control}; expected ${expected} on one line`);
  const match = /^(header|json-path):\s*(.+)$/.exec(raw.trim());
  if (!match) throw new InputProblem(`${name}: ${JSON.stringify(raw)} is not valid; expected ${expected}`);
  if (match[1] === 'header') return { kind: 'header', name: match[2]!.trim() };
  const path = parseJsonPath(match[2]!);
  if (typeof path === 'string') throw new InputProblem(`${name}: ${path}; expected ${expected}`);
  return { kind: 'json-path', path };
};

export const spec = {
  checks: checksDocument(),
  checksFile: string({ expected: 'a path to a YAML checks file in the repository' }),
  url: url(),
  baseUrl: url(),
  headers: keyValues({ keyPattern: /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/ }),
  expectVersion: string(),
  versionFrom: versionFrom as Field<VersionSource | undefined>,
  initialDelay: duration({ default: 0, min: 0, max: 3_600_000 }),
  interval: duration({ default: 2_000, min: 1, max: 600_000 }),
  maxInterval: duration({ default: 15_000, min: 1, max: 3_600_000 }),
  timeout: duration({ default: 10_000, min: 1, max: 600_000 }),
  deadline: duration({ default: 300_000, min: 1, max: 6 * 3_600_000 }),
  consecutiveSuccesses: integer({ default: 1, min: 1, max: 100 }),
  failureLimit: integer({ default: 5, min: 0, max: 1000 }),
  concurrency: integer({ default: 20, min: 1, max: 100 }),
  caFile: string(),
  insecureSkipVerify: boolean({ default: false }),
  minCertDays: integer({ default: 0, min: 0, max: 3650 }),
};

export interface Plan {
  checks: Check[];
  initialDelayMs: number;
  deadlineMs: number;
  concurrency: number;
  /** Checks that skip certificate verification (a warning each). */
  insecure: string[];
  /** Checks with `version:` but no expect-version to wait for (they pass on any version). */
  unversioned: string[];
}

/** Header values are masked, except those of headers that never carry a credential. */
const PLAIN_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'content-type',
  'host',
  'origin',
  'pragma',
  'user-agent',
]);

export function maskHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!PLAIN_HEADERS.has(name.toLowerCase())) registerSecret(value);
  }
}

type Inputs = ReturnType<typeof parseInputs<typeof spec>>;

export function getInputs(read?: ReadInput, workspace = process.env.GITHUB_WORKSPACE ?? process.cwd()): Plan {
  const inputs = parseInputs(spec, read);
  // Mask first: the common headers and URL credentials, before anything can print them.
  maskHeaders(inputs.headers);
  if (inputs.url) registerUrlCredentials(inputs.url);

  const given = (['checks', 'checksFile', 'url'] as const).filter((key) => inputs[key] !== undefined);
  if (given.length !== 1) {
    throw new ConfigurationError(
      given.length === 0
        ? 'checks: no checks given; expected one of checks (YAML), checks-file or url'
        : `${given.map(inputName).join(', ')}: given together; expected exactly one of checks, checks-file, url`,
    );
  }

  let document: ChecksDocument;
  let source = 'checks';
  if (inputs.checksFile !== undefined) {
    source = 'checks-file';
    const path = isAbsolute(inputs.checksFile) ? inputs.checksFile : resolve(workspace, inputs.checksFile);
    if (!existsSync(path)) {
      throw new ConfigurationError(
        `checks-file: ${path} does not exist; expected a YAML checks file in the repository`,
      );
    }
    try {
      document = checksDocument()(readFileSync(path, 'utf8'), 'checks-file')!;
    } catch (error) {
      if (error instanceof InputProblem) throw new ConfigurationError(error.message.split('\n'));
      throw error;
    }
  } else if (inputs.checks !== undefined) {
    document = inputs.checks;
  } else {
    const target = inputs.url!;
    document = {
      defaults: {},
      checks: [
        {
          name: target.pathname === '/' ? target.host : target.pathname,
          url: target.href,
          ...(inputs.versionFrom ? { version: inputs.versionFrom } : {}),
        },
      ],
    };
  }
  return compile(document, inputs, source, workspace);
}

const CERT = /-----BEGIN CERTIFICATE-----/;

function compile(document: ChecksDocument, inputs: Inputs, source: string, workspace: string): Plan {
  const problems: string[] = [];
  const d: Defaults = document.defaults;
  // A check's own setting, else the document's defaults:, else the input (whose default is in the spec).
  const pick = <T>(check: T | undefined, fromDefaults: T | undefined, fromInput: T): T =>
    check ?? fromDefaults ?? fromInput;

  const initialDelayMs = pick(undefined, d['initial-delay'], inputs.initialDelay);
  const deadlineMs = pick(undefined, d.deadline, inputs.deadline);
  const concurrency = pick(undefined, d.concurrency, inputs.concurrency);
  if (deadlineMs <= initialDelayMs) {
    const name = d.deadline !== undefined ? `${source}: defaults.deadline` : 'deadline';
    problems.push(
      `${name}: ${deadlineMs}ms is not longer than the initial delay (${initialDelayMs}ms); expected a deadline longer than initial-delay`,
    );
  }

  const caCache = new Map<string, string | undefined>();
  const readCa = (file: string, where: string): string | undefined => {
    const path = isAbsolute(file) ? file : resolve(workspace, file);
    if (caCache.has(path)) return caCache.get(path);
    let pem: string | undefined;
    if (!existsSync(path)) problems.push(`${where}: ${path} does not exist; expected a PEM CA bundle`);
    else {
      pem = readFileSync(path, 'utf8');
      if (!CERT.test(pem)) {
        problems.push(`${where}: ${path} holds no PEM certificate; expected a PEM CA bundle`);
        pem = undefined;
      }
    }
    caCache.set(path, pem);
    return pem;
  };

  const checks: Check[] = [];
  const insecure: string[] = [];
  const unversioned: string[] = [];
  const names = new Set(document.checks.map((c) => c.name).filter(Boolean));
  document.checks.forEach((spec: CheckSpec, index) => {
    const where = `${source}: check ${JSON.stringify(spec.name ?? `#${index + 1}`)}`;
    let target: URL | undefined;
    try {
      target = inputs.baseUrl ? new URL(spec.url, inputs.baseUrl) : new URL(spec.url);
    } catch {
      problems.push(
        `${where}: url: ${JSON.stringify(spec.url)} is not a valid URL${/^\//.test(spec.url) && !inputs.baseUrl ? ' (a relative URL needs base-url)' : ''}; expected an absolute http or https URL`,
      );
    }
    if (target && !['http:', 'https:'].includes(target.protocol)) {
      problems.push(`${where}: url: protocol ${target.protocol} is not supported; expected http or https`);
      target = undefined;
    }
    if (target) registerUrlCredentials(target);
    const headers = { ...inputs.headers, ...(d.headers ?? {}), ...(spec.headers ?? {}) };
    maskHeaders(headers);
    const method = spec.method ?? (spec.body !== undefined ? 'POST' : 'GET');
    let body: string | undefined;
    if (typeof spec.body === 'string') body = spec.body;
    else if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['content-type'] = 'application/json';
      }
    }

    const expectVersion = spec['expect-version'] ?? d['expect-version'] ?? inputs.expectVersion;
    const e = spec.expect ?? {};
    const toArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const expect: Expectations = {
      status: e.status ?? (parseStatusSet('2xx') as StatusSet),
      headers: Object.entries(e.headers ?? {}).map(([name, regex]) => ({ name: name.toLowerCase(), regex })),
      bodyContains: toArray(e['body-contains']),
      bodyRegex: toArray(e['body-regex']),
      json: e.json ?? [],
      maxLatencyMs: e['max-latency'],
      version: spec.version && expectVersion ? { source: spec.version, expected: expectVersion } : undefined,
    };

    const caFile = spec['ca-file'] ?? d['ca-file'] ?? inputs.caFile;
    const caWhere = spec['ca-file'] ? `${where}: ca-file` : d['ca-file'] ? `${source}: defaults.ca-file` : 'ca-file';
    const ca = caFile ? readCa(caFile, caWhere) : undefined;
    const insecureSkipVerify = pick(spec['insecure-skip-verify'], d['insecure-skip-verify'], inputs.insecureSkipVerify);
    let name = spec.name ?? `${method} ${target ? target.pathname : spec.url}`;
    for (let n = 2; !spec.name && (names.has(name) || checks.some((c) => c.name === name)); n++) {
      name = `${method} ${target ? target.pathname : spec.url} #${n}`;
    }
    if (target?.protocol === 'https:' && insecureSkipVerify) insecure.push(name);
    // One list of checks serves a deploy (with expect-version) and a rollback (no version to wait for).
    if (spec.version && !expectVersion) unversioned.push(name);
    if (!target) return;
    checks.push({
      name,
      url: target,
      method,
      headers,
      body,
      timeoutMs: pick(spec.timeout, d.timeout, inputs.timeout),
      intervalMs: pick(spec.interval, d.interval, inputs.interval),
      maxIntervalMs: pick(spec['max-interval'], d['max-interval'], inputs.maxInterval),
      consecutiveSuccesses: pick(
        spec['consecutive-successes'],
        d['consecutive-successes'],
        inputs.consecutiveSuccesses,
      ),
      failureLimit: pick(spec['failure-limit'], d['failure-limit'], inputs.failureLimit),
      ca: ca ? [...rootCertificates, ca].join('\n') : undefined,
      insecureSkipVerify,
      minCertDays: pick(spec['min-cert-days'], d['min-cert-days'], inputs.minCertDays),
      expect,
    });
  });

  const anyVersion = checks.some((c) => c.expect.version);
  const versionGiven = inputs.expectVersion || d['expect-version'];
  if (versionGiven && !anyVersion && !document.checks.some((c) => c.version)) {
    problems.push(
      `expect-version: is set but no check says where the version shows; expected version: {json-path: $.commit} or {header: X-Version} on a check (or version-from with url)`,
    );
  }
  if (problems.length) throw new ConfigurationError(problems);
  return { checks, initialDelayMs, deadlineMs, concurrency, insecure, unversioned };
}
