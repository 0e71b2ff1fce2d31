/**
 * `${{ }}` evaluation with GitHub's own @actions/expressions (lexer, parser, evaluator), plus the
 * runner-side functions the library leaves to the host: success(), failure(), always(),
 * cancelled() and hashFiles().
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join, relative } from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { TokenType } from '@actions/expressions/lexer';
import { errorMessage } from '../../../shared/errors.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The contexts an expression may read (a missing one is null). */
export interface Contexts {
  github?: Json;
  env?: Record<string, string>;
  vars?: Record<string, string>;
  secrets?: Record<string, string>;
  inputs?: Record<string, Json>;
  needs?: Record<string, { result: string; outputs: Record<string, string> }>;
  matrix?: Json;
  strategy?: Json;
  steps?: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }>;
  job?: Json;
  jobs?: Record<string, { result: string; outputs: Record<string, string> }>;
  runner?: Json;
}

/** What the status functions see: the job's status (steps) or the needed jobs' results (jobs). */
export interface StatusView {
  success: () => boolean;
  failure: () => boolean;
  cancelled: () => boolean;
}

export interface EvalOptions {
  status?: StatusView;
  /** hashFiles() root (the workspace). */
  workspace?: string;
  /** The YAML block scalar header (`|`, `|-`, `>`...) when the expression came from a block scalar. */
  blockScalar?: string;
}

/**
 * @actions/workflow-parser 0.3.61 builds the format() string of a block scalar holding `${{ }}`
 * from the raw source lines, indentation included; GitHub's runner uses the scalar's content.
 * Dedent (and chomp/fold per the header) the literal before it is evaluated.
 */
export function blockScalarContent(raw: string, header: string): string {
  const lines = raw.replace(/\n$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  let text = lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n');
  if (header.startsWith('>')) text = text.replace(/([^\n])\n(?=[^\n\s])/g, '$1 ');
  if (header.includes('-')) return text.replace(/\n+$/, '');
  if (header.includes('+')) return `${text}\n`;
  return `${text.replace(/\n+$/, '')}\n`;
}

export const CONTEXT_NAMES = [
  'github',
  'env',
  'vars',
  'secrets',
  'inputs',
  'needs',
  'matrix',
  'strategy',
  'steps',
  'job',
  'jobs',
  'runner',
];

export class ExpressionFailure extends Error {}

export function toData(value: unknown): data.ExpressionData {
  if (value === null || value === undefined) return new data.Null();
  if (typeof value === 'string') return new data.StringData(value);
  if (typeof value === 'number') return new data.NumberData(value);
  if (typeof value === 'boolean') return new data.BooleanData(value);
  if (Array.isArray(value)) return new data.Array(...value.map(toData));
  if (typeof value === 'object') {
    const dictionary = new data.Dictionary();
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) dictionary.add(key, toData(item));
    return dictionary;
  }
  return new data.StringData(String(value));
}

export function fromData(value: data.ExpressionData): Json {
  switch (value.kind) {
    case data.Kind.Null:
      return null;
    case data.Kind.String:
      return (value as data.StringData).value;
    case data.Kind.Number:
      return (value as data.NumberData).value;
    case data.Kind.Boolean:
      return (value as data.BooleanData).value;
    case data.Kind.Array:
      return (value as data.Array).values().map(fromData);
    default: {
      const result: Record<string, Json> = {};
      for (const pair of (value as data.Dictionary).pairs()) result[pair.key] = fromData(pair.value);
      return result;
    }
  }
}

/** How a value turns into a string where a string is needed (env, inputs, run scripts). */
export function toText(value: Json): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, null, 2);
}

export function truthy(value: Json): boolean {
  if (value === null || value === false || value === 0 || value === '') return false;
  if (typeof value === 'number' && Number.isNaN(value)) return false;
  return true;
}

const STATUS_FUNCTIONS = ['success', 'failure', 'always', 'cancelled'];

function extensionFunctions(options: EvalOptions): FunctionDefinition[] {
  const status = options.status;
  const need = (name: string) => {
    if (!status) throw new ExpressionFailure(`${name}() is not allowed here`);
    return status;
  };
  return [
    { name: 'success', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(need('success').success()) },
    { name: 'failure', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(need('failure').failure()) },
    { name: 'cancelled', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(need('cancelled').cancelled()) },
    { name: 'always', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(true) },
    {
      name: 'hashFiles',
      minArgs: 1,
      maxArgs: 255,
      call: (...patterns) =>
        new data.StringData(
          hashFiles(
            options.workspace ?? process.cwd(),
            patterns.map((p) => p.coerceString()),
          ),
        ),
    },
  ];
}

/** hashFiles(): sha256 over the sha256 of each matching file, in path order; '' when none match. */
export function hashFiles(workspace: string, patterns: string[]): string {
  // fs.globSync is Node 22+; the runner runs under the pinned Node 24.
  const globSync = (fs as unknown as { globSync?: (p: string, o: object) => string[] }).globSync;
  if (!globSync) throw new ExpressionFailure('hashFiles() needs Node 22 or later (run the runner under Node 24)');
  const { readFileSync, statSync } = fs;
  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = new Set(
    patterns.filter((p) => p.startsWith('!')).flatMap((p) => globSync(p.slice(1), { cwd: workspace })),
  );
  const files = new Set<string>();
  for (const pattern of include) {
    for (const file of globSync(pattern, { cwd: workspace, exclude: ['**/node_modules/**'] })) {
      const path = join(workspace, file);
      if (!exclude.has(file) && statSync(path).isFile()) files.add(relative(workspace, path));
    }
  }
  if (files.size === 0) return '';
  const outer = createHash('sha256');
  for (const file of [...files].sort())
    outer.update(
      createHash('sha256')
        .update(readFileSync(join(workspace, file)))
        .digest(),
    );
  return outer.digest('hex');
}

/** Evaluates one expression (the text inside `${{ }}`). Throws ExpressionFailure with the reason. */
export function evaluate(expression: string, contexts: Contexts, options: EvalOptions = {}): Json {
  const functions = extensionFunctions(options);
  let tree: ReturnType<Parser['parse']>;
  try {
    const { tokens } = new Lexer(expression).lex();
    // @actions/expressions 0.3.61 unescapes only the first '' of a string literal (String#replace
    // with a string); GitHub's runner unescapes all of them. Recompute string values from lexemes.
    for (const token of tokens) {
      if (token.type === TokenType.STRING && /^'.*'$/s.test(token.lexeme))
        token.value = token.lexeme.slice(1, -1).replaceAll("''", "'");
    }
    const literal = tokens[2];
    if (options.blockScalar && tokens[0]?.lexeme.toLowerCase() === 'format' && literal?.type === TokenType.STRING) {
      literal.value = blockScalarContent(String(literal.value), options.blockScalar);
    }
    tree = new Parser(
      tokens,
      CONTEXT_NAMES,
      functions.map(({ name, minArgs, maxArgs }) => ({ name, minArgs, maxArgs })),
    ).parse();
  } catch (error) {
    throw new ExpressionFailure(`cannot parse \${{ ${expression} }}: ${errorMessage(error)}`);
  }
  const dictionary = new data.Dictionary();
  for (const name of CONTEXT_NAMES) dictionary.add(name, toData((contexts as Record<string, unknown>)[name] ?? null));
  try {
    const map = new Map(functions.map((f) => [f.name.toLowerCase(), f]));
    return fromData(new Evaluator(tree, dictionary, map).evaluate());
  } catch (error) {
    if (error instanceof ExpressionFailure) throw error;
    throw new ExpressionFailure(`cannot evaluate \${{ ${expression} }}: ${errorMessage(error)}`);
  }
}

/** Does the expression call a status function? (Otherwise an `if:` means `success() && (...)`.) */
export function hasStatusFunction(expression: string): boolean {
  try {
    const { tokens } = new Lexer(expression).lex();
    return tokens.some(
      (token, i) => STATUS_FUNCTIONS.includes(token.lexeme.toLowerCase()) && tokens[i + 1]?.lexeme === '(',
    );
  } catch {
    return false;
  }
}

/** `if:` semantics: `${{ }}` optional, implicit success() unless a status function is called. */
export function evaluateCondition(condition: string | undefined, contexts: Contexts, options: EvalOptions): boolean {
  let expression = (condition ?? '').trim();
  const wrapped = /^\$\{\{([\s\S]*)\}\}$/.exec(expression);
  if (wrapped && !wrapped[1]!.includes('}}')) expression = wrapped[1]!.trim();
  if (!expression) expression = 'success()';
  if (!hasStatusFunction(expression)) expression = `success() && (${expression})`;
  return truthy(evaluate(expression, contexts, options));
}

/** Replaces every `${{ expr }}` in a string (for strings outside the parsed workflow, e.g. action.yml defaults). */
export function interpolate(text: string, contexts: Contexts, options: EvalOptions = {}): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) =>
    toText(evaluate(expression.trim(), contexts, options)),
  );
}
