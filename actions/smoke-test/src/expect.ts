import { redact } from '../../../shared/secrets.js';

/**
 * Expectations on one HTTP response, compiled once from the configuration (so every mistake is
 * found before a request) and evaluated per attempt. Pure: no I/O.
 */

/** A set of accepted statuses: `200`, `2xx`, `200-204`, or a list of those. */
export interface StatusSet {
  text: string;
  ranges: [number, number][];
}

const STATUS_MIN = 100;
const STATUS_MAX = 599;

/** Parses one status item; returns a problem instead of throwing. */
function statusRange(item: string): [number, number] | string {
  const value = item.trim().toLowerCase();
  let range: [number, number];
  if (/^\d{3}$/.test(value)) range = [Number(value), Number(value)];
  else if (/^[1-5]xx$/.test(value)) range = [Number(value[0]) * 100, Number(value[0]) * 100 + 99];
  else if (/^\d{3}\s*-\s*\d{3}$/.test(value)) {
    const [low, high] = value.split('-').map((s) => Number(s.trim())) as [number, number];
    if (low > high) return `status range ${JSON.stringify(item)} is impossible (${low} > ${high})`;
    range = [low, high];
  } else return `status ${JSON.stringify(item)} is not a status, a class like 2xx or a range like 200-204`;
  if (range[0] < STATUS_MIN || range[1] > STATUS_MAX) {
    return `status ${JSON.stringify(item)} is outside ${STATUS_MIN}-${STATUS_MAX}`;
  }
  return range;
}

export function parseStatusSet(spec: string | number | (string | number)[]): StatusSet | string {
  const items = (Array.isArray(spec) ? spec : String(spec).split(','))
    .map((item) => String(item).trim())
    .filter(Boolean);
  if (items.length === 0) return 'status is empty';
  const ranges: [number, number][] = [];
  for (const item of items) {
    const range = statusRange(item);
    if (typeof range === 'string') return range;
    ranges.push(range);
  }
  return { text: items.join(', '), ranges };
}

export const statusMatches = (set: StatusSet, status: number): boolean =>
  set.ranges.some(([low, high]) => status >= low && status <= high);

/** A JSON path: `$.a.b[0]`, `a.b`, `$['odd key'][2]`, `$` (the whole document). */
export type JsonPath = { text: string; segments: (string | number)[] };

export function parseJsonPath(text: string): JsonPath | string {
  const source = text.trim();
  let rest = source.startsWith('$') ? source.slice(1) : source ? `.${source}` : '';
  const segments: (string | number)[] = [];
  while (rest.length) {
    const name = /^\.([A-Za-z_$][\w$-]*)/.exec(rest);
    const index = /^\[(-?\d+)\]/.exec(rest);
    const quoted = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest) ?? /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest);
    const match = name ?? index ?? quoted;
    if (name) segments.push(name[1]!);
    else if (index) segments.push(Number(index[1]));
    else if (quoted) segments.push(quoted[1]!.replace(/\\(.)/g, '$1'));
    else return `JSON path ${JSON.stringify(text)} is not valid at ${JSON.stringify(rest.slice(0, 20))}`;
    rest = rest.slice(match![0].length);
  }
  return { text: source || '$', segments };
}

/** The value at a path, or `found: false`. Negative indexes count from the end. */
export function resolveJsonPath(document: unknown, path: JsonPath): { found: boolean; value?: unknown } {
  let current: unknown = document;
  for (const segment of path.segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return { found: false };
      const index = segment < 0 ? current.length + segment : segment;
      if (index < 0 || index >= current.length) return { found: false };
      current = current[index];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return { found: false };
      if (!Object.hasOwn(current, segment)) return { found: false };
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}

export function compileRegex(source: string): RegExp | string {
  try {
    return new RegExp(source);
  } catch (error) {
    return `regex ${JSON.stringify(source)} is not valid (${(error as Error).message.replace(/^Invalid regular expression: /, '')})`;
  }
}

export type JsonExpectation =
  | { path: JsonPath; kind: 'equals'; value: unknown }
  | { path: JsonPath; kind: 'matches'; regex: RegExp }
  | { path: JsonPath; kind: 'exists'; exists: boolean };

/** Where the deployed version shows in a response. */
export type VersionSource = { kind: 'header'; name: string } | { kind: 'json-path'; path: JsonPath };

export interface Expectations {
  status: StatusSet;
  headers: { name: string; regex: RegExp }[];
  bodyContains: string[];
  bodyRegex: RegExp[];
  json: JsonExpectation[];
  maxLatencyMs?: number;
  version?: { source: VersionSource; expected: string };
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  latencyMs: number;
}

export interface Verdict {
  /** Every expectation held (the version too, when one is expected). */
  ok: boolean;
  /** What did not hold, one line each. */
  problems: string[];
  /** The version the response showed, when the check reads one. */
  version?: string;
  /** The response is from another version than the one expected: keep waiting, do not count a failure. */
  otherVersion: boolean;
}

const showValue = (value: unknown): string => {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    // YAML `equals: 1.2` vs a JSON string "1.2" (and the reverse): compare scalars as text.
    const scalar = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v);
    return scalar(a) && scalar(b) && String(a) === String(b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return (
    keysA.length === keysB.length &&
    keysA.every((key) => deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  );
}

/** A commit given in full matches its short form (7+ hex characters) and the reverse. */
export function versionMatches(seen: string, expected: string): boolean {
  const a = seen.trim();
  const b = expected.trim();
  if (a === b) return true;
  const hex = /^[0-9a-f]{7,40}$/i;
  if (hex.test(a) && hex.test(b)) {
    const [short, long] = a.length < b.length ? [a, b] : [b, a];
    return long.toLowerCase().startsWith(short.toLowerCase());
  }
  return false;
}

const CREDENTIAL =
  /(["']?[\w-]*(?:pass(?:word)?|secret|token|api[_-]?key|authorization|credential|session)[\w-]*["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&}]+)/gi;

/** A response excerpt safe for a report: cut, one line, known secrets and credential-like values scrubbed. */
export function snippet(body: string, max = 120): string {
  const flat = redact(body.slice(0, max * 4))
    .replace(CREDENTIAL, '$1***')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 ***')
    .replace(/\s+/g, ' ')
    .replace(/\p{Cc}+/gu, ' ')
    .trim();
  return flat.length > max || body.length > max * 4 ? `${flat.slice(0, max)}...` : flat;
}

const headerValue = (headers: Response['headers'], name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
};

function parseBody(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false };
  }
}

export function evaluate(expect: Expectations, response: Response): Verdict {
  const problems: string[] = [];
  let document: ReturnType<typeof parseBody> | undefined;
  const json = () => {
    document ??= parseBody(response.body);
    return document;
  };

  let version: string | undefined;
  let otherVersion = false;
  if (expect.version) {
    const { source, expected } = expect.version;
    if (source.kind === 'header') {
      version = headerValue(response.headers, source.name);
      if (version === undefined) problems.push(`version header ${source.name} is missing`);
    } else {
      const parsed = json();
      const found = parsed.ok ? resolveJsonPath(parsed.value, source.path) : { found: false };
      if (!parsed.ok) problems.push(`version: the body is not JSON (body: ${JSON.stringify(snippet(response.body))})`);
      else if (!found.found) problems.push(`version: ${source.path.text} is not in the body`);
      else version = typeof found.value === 'string' ? found.value : JSON.stringify(found.value);
    }
    if (version !== undefined && !versionMatches(version, expected)) {
      otherVersion = true;
      problems.push(`still version ${showValue(version)}, waiting for ${showValue(expected)}`);
    }
  }

  if (!statusMatches(expect.status, response.status)) {
    problems.push(`status ${response.status} is not ${expect.status.text}`);
  }
  for (const { name, regex } of expect.headers) {
    const value = headerValue(response.headers, name);
    if (value === undefined) problems.push(`header ${name} is missing`);
    else if (!regex.test(value)) problems.push(`header ${name} ${showValue(value)} does not match /${regex.source}/`);
  }
  const excerpt = () => `(body: ${JSON.stringify(snippet(response.body))})`;
  for (const text of expect.bodyContains) {
    if (!response.body.includes(text)) problems.push(`body does not contain ${showValue(text)} ${excerpt()}`);
  }
  for (const regex of expect.bodyRegex) {
    if (!regex.test(response.body)) problems.push(`body does not match /${regex.source}/ ${excerpt()}`);
  }
  if (expect.json.length) {
    const parsed = json();
    if (!parsed.ok) problems.push(`body is not JSON ${excerpt()}`);
    else {
      for (const item of expect.json) {
        const found = resolveJsonPath(parsed.value, item.path);
        const at = item.path.text;
        if (item.kind === 'exists') {
          if (found.found !== item.exists) problems.push(`${at} ${item.exists ? 'does not exist' : 'exists'}`);
        } else if (!found.found) problems.push(`${at} does not exist`);
        else if (item.kind === 'equals' && !deepEqual(found.value, item.value)) {
          problems.push(`${at} is ${showValue(found.value)}, expected ${showValue(item.value)}`);
        } else if (item.kind === 'matches') {
          const text = typeof found.value === 'string' ? found.value : JSON.stringify(found.value);
          if (!item.regex.test(text))
            problems.push(`${at} ${showValue(found.value)} does not match /${item.regex.source}/`);
        }
      }
    }
  }
  if (expect.maxLatencyMs !== undefined && response.latencyMs > expect.maxLatencyMs) {
    problems.push(`latency ${Math.round(response.latencyMs)}ms is over ${expect.maxLatencyMs}ms`);
  }
  return { ok: problems.length === 0, problems, version, otherVersion };
}
