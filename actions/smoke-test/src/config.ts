/**
 * The checks document (the `checks` input or the `checks-file`): a YAML list of checks, or a
 * mapping with `defaults:` and `checks:`. Validated with strict zod schemas: an unknown key, a bad
 * regex, JSON path, status range or duration is an error naming the check and the key. Compiling
 * (defaults merged, URLs resolved, CA files read) is separate and pure apart from reading files.
 */
import { z } from 'zod';
import { parseDuration } from '../../../shared/duration.js';
import { lineSchema } from '../../../shared/inputs.js';
import {
  compileRegex,
  type JsonExpectation,
  type JsonPath,
  parseJsonPath,
  parseStatusSet,
  type StatusSet,
  type VersionSource,
} from './expect.js';

// Header names and values, versions, names and URLs are one line each (no forged log line or header).
const scalar = z.union([lineSchema, z.number(), z.boolean()]).transform(String);

const durationValue = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(String(value));
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a duration like 500ms, 10s or 2m` });
    return z.NEVER;
  }
  return ms;
});

const regexValue = z.string().transform((source, ctx) => {
  const regex = compileRegex(source);
  if (typeof regex === 'string') {
    ctx.addIssue({ code: 'custom', message: regex });
    return z.NEVER;
  }
  return regex;
});

const jsonPathValue = z.string().transform((text, ctx): JsonPath => {
  const path = parseJsonPath(text);
  if (typeof path === 'string') {
    ctx.addIssue({ code: 'custom', message: path });
    return z.NEVER;
  }
  return path;
});

const statusValue = z
  .union([z.number(), z.string(), z.array(z.union([z.number(), z.string()]))])
  .transform((value, ctx): StatusSet => {
    const set = parseStatusSet(value);
    if (typeof set === 'string') {
      ctx.addIssue({ code: 'custom', message: set });
      return z.NEVER;
    }
    return set;
  });

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item)]);

const jsonExpectation = z
  .object({
    path: jsonPathValue,
    equals: z.unknown().optional(),
    matches: regexValue.optional(),
    exists: z.boolean().optional(),
  })
  .strict()
  .transform((item, ctx): JsonExpectation => {
    const given = (['equals', 'matches', 'exists'] as const).filter((key) => key in item && item[key] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `${item.path.text} needs exactly one of equals, matches, exists (got ${given.join(', ') || 'none'})`,
      });
      return z.NEVER;
    }
    if (given[0] === 'equals') return { path: item.path, kind: 'equals', value: item.equals };
    if (given[0] === 'matches') return { path: item.path, kind: 'matches', regex: item.matches! };
    return { path: item.path, kind: 'exists', exists: item.exists! };
  });

const expectSchema = z
  .object({
    status: statusValue.optional(),
    headers: z.record(z.string(), regexValue).optional(),
    'body-contains': oneOrMany(scalar).optional(),
    'body-regex': oneOrMany(regexValue).optional(),
    json: z.array(jsonExpectation).optional(),
    'max-latency': durationValue.optional(),
  })
  .strict();

const versionSchema = z
  .object({ header: z.string().min(1).optional(), 'json-path': jsonPathValue.optional() })
  .strict()
  .transform((value, ctx): VersionSource => {
    if (value.header !== undefined && value['json-path'] === undefined) return { kind: 'header', name: value.header };
    if (value['json-path'] !== undefined && value.header === undefined) {
      return { kind: 'json-path', path: value['json-path'] };
    }
    ctx.addIssue({ code: 'custom', message: 'version needs exactly one of header, json-path' });
    return z.NEVER;
  });

const positive = z.number().int().min(1);
/** Settings a check may take from the defaults (or the action inputs). */
const settings = {
  headers: z.record(lineSchema, scalar).optional(),
  timeout: durationValue.optional(),
  interval: durationValue.optional(),
  'max-interval': durationValue.optional(),
  'consecutive-successes': positive.max(100).optional(),
  'failure-limit': z.number().int().min(0).max(1000).optional(),
  'expect-version': scalar.optional(),
  'ca-file': z.string().min(1).optional(),
  'insecure-skip-verify': z.boolean().optional(),
  'min-cert-days': z.number().min(0).max(3650).optional(),
};

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const checkSchema = z
  .object({
    name: lineSchema.min(1).optional(),
    url: lineSchema.min(1),
    method: z
      .string()
      .transform((m) => m.toUpperCase())
      .pipe(z.enum(METHODS))
      .optional(),
    body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
    expect: expectSchema.optional(),
    version: versionSchema.optional(),
    ...settings,
  })
  .strict();

const defaultsSchema = z
  .object({
    ...settings,
    'initial-delay': durationValue.optional(),
    deadline: durationValue.optional(),
    concurrency: positive.max(100).optional(),
  })
  .strict();

export type CheckSpec = z.output<typeof checkSchema>;
export type Defaults = z.output<typeof defaultsSchema>;
export interface ChecksDocument {
  defaults: Defaults;
  checks: CheckSpec[];
}

const label = (raw: unknown, index: number): string => {
  const name = raw && typeof raw === 'object' ? (raw as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name ? `check ${JSON.stringify(name)}` : `check #${index + 1}`;
};

/** One line per zod issue: `<where>: <key path>: <problem>`, unknown keys named. */
function issueLines(where: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const at = path ? `${path}: ` : '';
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      return `${where}: ${path ? `${path}: ` : ''}unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}`;
    }
    if (issue.code === 'invalid_union') {
      // A value of the right shape with a bad content (a regex in a list): say what is wrong with it.
      const inner = issue.errors.flat().find((i) => i.code === 'custom');
      if (inner) {
        const innerPath = [...issue.path, ...inner.path].map(String).join('.');
        return `${where}: ${innerPath ? `${innerPath}: ` : ''}${inner.message}`;
      }
      return `${where}: ${at}has the wrong type`;
    }
    return `${where}: ${at}${issue.message}`;
  });
}

/**
 * The schema given to `yaml(...)`: shapes the document, then validates the defaults and each check
 * on its own so that every problem names its check. All problems are reported, one per line.
 */
export const documentSchema = z.unknown().transform((value, ctx): ChecksDocument => {
  const problems: string[] = [];
  let rawChecks: unknown;
  let rawDefaults: unknown = {};
  if (Array.isArray(value)) rawChecks = value;
  else if (value && typeof value === 'object') {
    const { defaults, checks, ...rest } = value as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length) {
      problems.push(
        `unknown top-level key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (only defaults and checks)`,
      );
    }
    rawChecks = checks;
    rawDefaults = defaults ?? {};
  } else {
    problems.push('is not a list of checks nor a mapping with defaults and checks');
  }
  let defaults: Defaults = {};
  const parsedDefaults = defaultsSchema.safeParse(rawDefaults);
  if (parsedDefaults.success) defaults = parsedDefaults.data;
  else problems.push(...issueLines('defaults', parsedDefaults.error));

  const checks: CheckSpec[] = [];
  if (problems.length === 0 && (!Array.isArray(rawChecks) || rawChecks.length === 0)) {
    problems.push('checks: is missing or empty');
  }
  if (Array.isArray(rawChecks)) {
    const seen = new Set<string>();
    rawChecks.forEach((raw, index) => {
      const parsed = checkSchema.safeParse(raw);
      if (!parsed.success) {
        problems.push(...issueLines(label(raw, index), parsed.error));
        return;
      }
      if (parsed.data.name) {
        if (seen.has(parsed.data.name)) problems.push(`${label(raw, index)}: name is used by another check`);
        seen.add(parsed.data.name);
      }
      checks.push(parsed.data);
    });
  }
  if (problems.length) {
    ctx.addIssue({ code: 'custom', message: problems.join('\n') });
    return z.NEVER;
  }
  return { defaults, checks };
});
