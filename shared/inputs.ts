import * as core from '@actions/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { ConfigurationError } from './errors.js';
import { CONTROL_CHARACTERS } from './log.js';
import { registerSecret } from './secrets.js';

/**
 * Typed action inputs. An action declares its inputs once as a spec of fields keyed by camelCase
 * name; the input name is the kebab-case form (`maxFailedTasks` -> `max-failed-tasks`).
 * `parseInputs` reads every input, collects every problem, and throws one ConfigurationError whose
 * lines all read `<input-name>: <problem>; expected <what>`, before the action does anything.
 */
export type Field<T> = (raw: string, name: string) => T;
export type Parsed<S> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

export class InputProblem extends Error {}

export function fail(name: string, problem: string, expected: string): never {
  throw new InputProblem(`${name}: ${problem}; expected ${expected}`);
}

export const inputName = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export type ReadInput = (name: string) => string;
const readFromEnvironment: ReadInput = (name) => core.getInput(name);

export function parseInputs<S extends Record<string, Field<unknown>>>(
  spec: S,
  read: ReadInput = readFromEnvironment,
): Parsed<S> {
  const result: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, field] of Object.entries(spec)) {
    const name = inputName(key);
    try {
      result[key] = field(read(name), name);
    } catch (error) {
      if (!(error instanceof InputProblem)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length) throw new ConfigurationError(problems);
  return result as Parsed<S>;
}

/** Cross-input rules (e.g. deadline > initial delay): call after parseInputs, before any side effect. */
export function requireThat(condition: boolean, name: string, problem: string, expected: string): void {
  if (!condition) throw new ConfigurationError(`${name}: ${problem}; expected ${expected}`);
}

interface Common<T> {
  required?: boolean;
  default?: T;
}

const CONTROL_NAMES: Record<string, string> = {
  '\n': 'a line break',
  '\r': 'a carriage return',
  '\u0000': 'a NUL character',
};

/**
 * Whether a value holds a line break, NUL or another control character (tab is allowed): undefined
 * when it does not, else what it holds. Never shows the value (it may be a secret).
 */
export function controlProblem(value: string): string | undefined {
  const found = value.match(new RegExp(CONTROL_CHARACTERS.source))?.[0];
  if (found === undefined) return undefined;
  const code = `U+${found.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `contains ${CONTROL_NAMES[found] ?? 'a control character'} (${code})`;
}

export const SINGLE_LINE = 'a single line without control characters';

/** A YAML/JSON string that is a name, host, token or header: one line, no control characters. */
export const lineSchema = z.string().refine((value) => controlProblem(value) === undefined, {
  message: 'contains a line break or control character',
});

/**
 * Applies required/default; calls `convert` only on a given value. A field that is not multi-line
 * (names, hosts, regions, tokens, versions, ids) refuses control characters first: no input can
 * carry a newline into a log line, a header or a command argument.
 */
function field<T>(
  options: Common<T>,
  expected: string,
  convert: (raw: string, name: string) => T,
  multiline = false,
): Field<T> {
  return (raw, name) => {
    if (raw === '') {
      if (options.default !== undefined) return options.default;
      if (options.required) fail(name, 'is required but was not given', expected);
      return undefined as T;
    }
    const problem = multiline ? undefined : controlProblem(raw);
    if (problem) fail(name, problem, SINGLE_LINE);
    return convert(raw, name);
  };
}

/** Inside a multi-line field: each item (a name, host, token or header) is one clean line. */
function checkItem(name: string, what: string, value: string): void {
  const problem = controlProblem(value);
  if (problem) fail(name, `${what} ${problem}`, `${SINGLE_LINE} in each ${what}`);
}

const show = (raw: string): string => JSON.stringify(raw.length > 80 ? `${raw.slice(0, 77)}...` : raw);

/** Text; one line unless `multiline` (a body, a report). `check` returns a problem or undefined. */
export function string(
  options: Common<string> & {
    pattern?: RegExp;
    expected?: string;
    maxLength?: number;
    multiline?: boolean;
    check?: (value: string) => string | undefined;
  } = {},
): Field<string> {
  const expected = options.expected ?? (options.pattern ? `text matching ${options.pattern}` : 'text');
  return field(
    options,
    expected,
    (raw, name) => {
      if (options.pattern && !options.pattern.test(raw)) fail(name, `${show(raw)} is not valid`, expected);
      const problem = options.check?.(raw);
      if (problem) fail(name, `${show(raw)} ${problem}`, expected);
      if (options.maxLength && raw.length > options.maxLength) {
        fail(name, `is ${raw.length} characters long`, `at most ${options.maxLength}`);
      }
      return raw;
    },
    options.multiline,
  );
}

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** `host`, `host:port`, `1.2.3.4:5000` or `[::1]:5000` (RFC 1123 host names); undefined when valid. */
export function hostProblem(value: string): string | undefined {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:/\s]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match) return 'is not a host name (with an optional :port)';
  const [, host, port] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) return `has port ${port} out of range 1-65535`;
  if (host!.startsWith('[')) return undefined;
  if (host!.length > 253 || !(HOST_NAME.test(host!) || IPV4.test(host!)))
    return 'is not a host name (with an optional :port)';
  if (/^[\d.]+$/.test(host!) && !IPV4.test(host!)) return 'is not a valid IPv4 address';
  return undefined;
}

export const HOST_EXPECTED = 'a registry host name like ghcr.io, localhost:5000 or 10.0.0.5:5000';

/** A host name with an optional port (no scheme, no path). */
export const host = (options: Common<string> = {}): Field<string> =>
  string({ ...options, check: hostProblem, expected: HOST_EXPECTED });

/** AWS Regions as every action takes them: `eu-west-1`, `us-gov-west-1`, `ap-southeast-5`. */
export const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
export const awsRegion = (options: Common<string> = {}): Field<string> =>
  string({ ...options, pattern: AWS_REGION, expected: 'an AWS region like eu-west-1' });

/** A secret: masked the moment it is read, never shown in an error. */
export function secret(options: Common<string> = {}): Field<string> {
  // The control-character check (in field) runs first and shows no part of the value.
  return field(options, 'a non-empty secret', (raw) => {
    registerSecret(raw);
    return raw;
  });
}

export function choice<const V extends string>(values: readonly V[], options: Common<V> = {}): Field<V> {
  const expected = `one of ${values.join(', ')}`;
  return field(options, expected, (raw, name) => {
    if (!(values as readonly string[]).includes(raw)) fail(name, `${show(raw)} is not supported`, expected);
    return raw as V;
  });
}

const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];
export function boolean(options: Common<boolean> = {}): Field<boolean> {
  const expected = 'true or false';
  return field(options, expected, (raw, name) => {
    const value = raw.toLowerCase();
    if (TRUE.includes(value)) return true;
    if (FALSE.includes(value)) return false;
    return fail(name, `${show(raw)} is not a boolean`, expected);
  });
}

function rangeText(min?: number, max?: number, format: (n: number) => string = String): string {
  if (min !== undefined && max !== undefined) return `from ${format(min)} to ${format(max)}`;
  if (min !== undefined) return `at least ${format(min)}`;
  if (max !== undefined) return `at most ${format(max)}`;
  return '';
}

export function integer(options: Common<number> & { min?: number; max?: number } = {}): Field<number> {
  const expected = `a whole number ${rangeText(options.min, options.max)}`.trim();
  const schema = z.coerce
    .number()
    .int()
    .min(options.min ?? Number.MIN_SAFE_INTEGER)
    .max(options.max ?? Number.MAX_SAFE_INTEGER);
  return field(options, expected, (raw, name) => {
    if (!/^[+-]?\d+$/.test(raw)) fail(name, `${show(raw)} is not a whole number`, expected);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) fail(name, `${raw} is out of range`, expected);
    return parsed.data;
  });
}

/**
 * The longest wait any duration input may ask for: setTimeout fires at once for a delay above
 * 2^31-1 ms (about 24.8 days; Node.js timers docs, "setTimeout"), so 24 days is the ceiling.
 */
export const MAX_DURATION_MS = 24 * 86_400_000;
/** The GitHub-hosted job limit (6 hours): no single wait of a step should outlast it. */
export const JOB_LIMIT_MS = 6 * 3_600_000;

/** A duration (`90s`, `10m`, `1h30m`, `500ms`, bare seconds), in milliseconds, at most MAX_DURATION_MS. */
export function duration(options: Common<number> & { min?: number; max?: number } = {}): Field<number> {
  const max = Math.min(options.max ?? MAX_DURATION_MS, MAX_DURATION_MS);
  const expected = `a duration like 90s, 10m or 1h30m, ${rangeText(options.min, max, formatBound)}`;
  return field(options, expected, (raw, name) => {
    const value = parseDuration(raw);
    if (value === undefined) fail(name, `${show(raw)} is not a duration`, expected);
    if ((options.min !== undefined && value < options.min) || value > max) {
      fail(name, `${raw} is out of range`, expected);
    }
    return value;
  });
}

/** A bound in the largest whole unit: 86400000 -> 1d, 300000 -> 5m, 1500 -> 1500ms. */
function formatBound(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Items separated by newlines or commas, trimmed, empties dropped; each item checked by `item`. */
export function list(
  options: Common<string[]> & { item?: (value: string) => string | undefined; expected?: string } = {},
): Field<string[]> {
  const expected = options.expected ?? 'a comma- or newline-separated list';
  return field(
    { default: options.required ? undefined : [], ...options },
    expected,
    (raw, name) => {
      const items = raw
        .split(/[\n,]/)
        .map((s) => s.trim())
        .filter(Boolean);
      for (const item of items) {
        checkItem(name, 'item', item);
        const problem = options.item?.(item);
        if (problem) fail(name, `${show(item)} ${problem}`, expected);
      }
      if (options.required && items.length === 0) fail(name, 'is empty', expected);
      return items;
    },
    true,
  );
}

/** Non-empty lines, trimmed (comments starting with # dropped); each line free of CR and NUL. */
export function lines(options: Common<string[]> = {}): Field<string[]> {
  return field(
    { default: options.required ? undefined : [], ...options },
    'one item per line',
    (raw, name) => {
      const items = raw
        .split('\n')
        .map((s) => s.trim())
        .filter((s) => s && !s.startsWith('#'));
      for (const item of items) checkItem(name, 'line', item);
      return items;
    },
    true,
  );
}

/** `key=value` lines (or comma-separated pairs); the value may contain `=`. */
export function keyValues(
  options: Common<Record<string, string>> & { keyPattern?: RegExp } = {},
): Field<Record<string, string>> {
  const expected = 'key=value lines';
  return field(
    { default: options.required ? undefined : {}, ...options },
    expected,
    (raw, name) => {
      const result: Record<string, string> = {};
      const entries = raw.includes('\n') ? raw.split('\n') : raw.split(',');
      for (const entry of entries.map((s) => s.trim()).filter((s) => s && !s.startsWith('#'))) {
        const at = entry.indexOf('=');
        if (at <= 0) fail(name, `${show(entry)} has no key=value form`, expected);
        const key = entry.slice(0, at).trim();
        if (options.keyPattern && !options.keyPattern.test(key)) {
          fail(name, `key ${show(key)} is not valid`, `keys matching ${options.keyPattern}`);
        }
        if (Object.hasOwn(result, key)) fail(name, `key ${show(key)} is given twice`, 'each key once');
        const value = entry.slice(at + 1).trim();
        checkItem(name, `value of ${show(key)}`, value);
        checkItem(name, 'key', key);
        // A plain object would take `__proto__` as its prototype instead of a key.
        Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return result;
    },
    true,
  );
}

export function url(options: Common<URL> & { protocols?: string[] } = {}): Field<URL> {
  const protocols = options.protocols ?? ['http:', 'https:'];
  const expected = `an absolute ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`;
  return field(options, expected, (raw, name) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      return fail(name, `${show(raw)} is not a URL`, expected);
    }
    if (!protocols.includes(parsed.protocol)) fail(name, `protocol ${parsed.protocol} is not supported`, expected);
    return parsed;
  });
}

/** Formats zod issues as input problems: `<name>: <path>: <message>; expected <what>`. */
export function schemaProblem(name: string, error: z.ZodError, expected: string): string {
  const issue = error.issues[0]!;
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${name}: ${where}${issue.message}; expected ${expected}`;
}

function document<T>(
  language: 'JSON' | 'YAML',
  schema: z.ZodType<T>,
  options: Common<T> & { expected?: string },
): Field<T> {
  const expected = options.expected ?? `a ${language} document`;
  // Multi-line by nature; the schema checks the strings inside that must be one line (lineSchema).
  return field(
    options,
    expected,
    (raw, name) => {
      let value: unknown;
      try {
        value = language === 'JSON' ? JSON.parse(raw) : parseYaml(raw);
      } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        return fail(name, `is not valid ${language} (${reason})`, expected);
      }
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw new InputProblem(schemaProblem(name, parsed.error, expected));
      return parsed.data;
    },
    true,
  );
}

export const json = <T>(schema: z.ZodType<T>, options: Common<T> & { expected?: string } = {}) =>
  document('JSON', schema, options);
/** YAML is a superset of JSON, so this also accepts JSON. */
export const yaml = <T>(schema: z.ZodType<T>, options: Common<T> & { expected?: string } = {}) =>
  document('YAML', schema, options);
