import * as core from '@actions/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { ConfigurationError } from './errors.js';
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

/** Applies required/default; calls `convert` only on a given value. */
function field<T>(options: Common<T>, expected: string, convert: (raw: string, name: string) => T): Field<T> {
  return (raw, name) => {
    if (raw === '') {
      if (options.default !== undefined) return options.default;
      if (options.required) fail(name, 'is required but was not given', expected);
      return undefined as T;
    }
    return convert(raw, name);
  };
}

const show = (raw: string): string => JSON.stringify(raw.length > 80 ? `${raw.slice(0, 77)}...` : raw);

export function string(
  options: Common<string> & { pattern?: RegExp; expected?: string; maxLength?: number } = {},
): Field<string> {
  const expected = options.expected ?? (options.pattern ? `text matching ${options.pattern}` : 'text');
  return field(options, expected, (raw, name) => {
    if (options.pattern && !options.pattern.test(raw)) fail(name, `${show(raw)} is not valid`, expected);
    if (options.maxLength && raw.length > options.maxLength) {
      fail(name, `is ${raw.length} characters long`, `at most ${options.maxLength}`);
    }
    return raw;
  });
}

/** A secret: masked the moment it is read, never shown in an error. */
export function secret(options: Common<string> = {}): Field<string> {
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

/** A duration (`90s`, `10m`, `1h30m`, `500ms`, bare seconds), in milliseconds. */
export function duration(options: Common<number> & { min?: number; max?: number } = {}): Field<number> {
  const ms = (n: number) => (n % 1000 === 0 ? `${n / 1000}s` : `${n}ms`);
  const expected = `a duration like 90s, 10m or 1h30m ${rangeText(options.min, options.max, ms)}`.trim();
  return field(options, expected, (raw, name) => {
    const value = parseDuration(raw);
    if (value === undefined) fail(name, `${show(raw)} is not a duration`, expected);
    if ((options.min !== undefined && value < options.min) || (options.max !== undefined && value > options.max)) {
      fail(name, `${raw} is out of range`, expected);
    }
    return value;
  });
}

/** Items separated by newlines or commas, trimmed, empties dropped; each item checked by `item`. */
export function list(
  options: Common<string[]> & { item?: (value: string) => string | undefined; expected?: string } = {},
): Field<string[]> {
  const expected = options.expected ?? 'a comma- or newline-separated list';
  return field({ default: options.required ? undefined : [], ...options }, expected, (raw, name) => {
    const items = raw
      .split(/[\n,]/)
      .map((s) => s.trim())
      .filter(Boolean);
    for (const item of items) {
      const problem = options.item?.(item);
      if (problem) fail(name, `${show(item)} ${problem}`, expected);
    }
    if (options.required && items.length === 0) fail(name, 'is empty', expected);
    return items;
  });
}

/** Non-empty lines, trimmed (comments starting with # dropped). */
export function lines(options: Common<string[]> = {}): Field<string[]> {
  return field({ default: options.required ? undefined : [], ...options }, 'one item per line', (raw) =>
    raw
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => s && !s.startsWith('#')),
  );
}

/** `key=value` lines (or comma-separated pairs); the value may contain `=`. */
export function keyValues(
  options: Common<Record<string, string>> & { keyPattern?: RegExp } = {},
): Field<Record<string, string>> {
  const expected = 'key=value lines';
  return field({ default: options.required ? undefined : {}, ...options }, expected, (raw, name) => {
    const result: Record<string, string> = {};
    const entries = raw.includes('\n') ? raw.split('\n') : raw.split(',');
    for (const entry of entries.map((s) => s.trim()).filter((s) => s && !s.startsWith('#'))) {
      const at = entry.indexOf('=');
      if (at <= 0) fail(name, `${show(entry)} has no key=value form`, expected);
      const key = entry.slice(0, at).trim();
      if (options.keyPattern && !options.keyPattern.test(key)) {
        fail(name, `key ${show(key)} is not valid`, `keys matching ${options.keyPattern}`);
      }
      if (key in result) fail(name, `key ${show(key)} is given twice`, 'each key once');
      result[key] = entry.slice(at + 1).trim();
    }
    return result;
  });
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
  return field(options, expected, (raw, name) => {
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
  });
}

export const json = <T>(schema: z.ZodType<T>, options: Common<T> & { expected?: string } = {}) =>
  document('JSON', schema, options);
/** YAML is a superset of JSON, so this also accepts JSON. */
export const yaml = <T>(schema: z.ZodType<T>, options: Common<T> & { expected?: string } = {}) =>
  document('YAML', schema, options);
