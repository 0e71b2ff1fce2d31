/**
 * Trust policy evaluation for sts:AssumeRoleWithWebIdentity, as IAM documents it: an explicit
 * Deny wins, else some Allow statement must match the principal (`Federated`: the OIDC provider's
 * ARN), the action and every condition (each operator, each key, any of its values). A key the
 * request does not carry fails StringEquals/StringLike and satisfies the negated operators
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 */
import { QueryError } from './query.js';

// biome-ignore lint/suspicious/noExplicitAny: policy documents are open-ended JSON
type Json = any;

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** IAM wildcards: `*` any run of characters, `?` one character. */
function like(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

const OPERATORS: Record<string, (expected: string, actual: string) => boolean> = {
  StringEquals: (e, a) => e === a,
  StringEqualsIgnoreCase: (e, a) => e.toLowerCase() === a.toLowerCase(),
  StringLike: (e, a) => like(e, a),
  StringNotEquals: (e, a) => e !== a,
  StringNotEqualsIgnoreCase: (e, a) => e.toLowerCase() !== a.toLowerCase(),
  StringNotLike: (e, a) => !like(e, a),
};

/** Parses a policy document and checks what IAM checks on CreateRole (MalformedPolicyDocument). */
export function parsePolicy(text: string): Json {
  let doc: Json;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new QueryError('MalformedPolicyDocument', 'This policy contains invalid Json');
  }
  const statements = list(doc?.Statement).length
    ? Array.isArray(doc.Statement)
      ? doc.Statement
      : [doc.Statement]
    : [];
  if (!statements.length) throw new QueryError('MalformedPolicyDocument', 'Syntax errors in policy.');
  for (const s of statements) {
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new QueryError('MalformedPolicyDocument', 'Invalid effect.');
    if (!s.Principal)
      throw new QueryError('MalformedPolicyDocument', 'AssumeRolepolicy contained an invalid principal element');
    if (!s.Action) throw new QueryError('MalformedPolicyDocument', 'Policy statement must contain actions.');
    for (const [operator] of Object.entries(s.Condition ?? {})) {
      if (!OPERATORS[operator.replace(/^ForAnyValue:|^ForAllValues:|IfExists$/g, '')]) {
        throw new QueryError('MalformedPolicyDocument', `Invalid Condition type : ${operator}.`);
      }
    }
  }
  return { ...doc, Statement: statements };
}

export interface Request {
  federated: string;
  action: string;
  /** Context keys, e.g. `token.actions.githubusercontent.com:sub`. */
  context: Record<string, string[]>;
}

function conditionHolds(condition: Json, context: Record<string, string[]>): boolean {
  return Object.entries(condition ?? {}).every(([rawOperator, keys]) => {
    const ifExists = rawOperator.endsWith('IfExists');
    const allValues = rawOperator.startsWith('ForAllValues:');
    const operator = rawOperator.replace(/^ForAnyValue:|^ForAllValues:/, '').replace(/IfExists$/, '');
    const test = OPERATORS[operator]!;
    const negated = operator.includes('Not');
    return Object.entries(keys as Record<string, unknown>).every(([key, expected]) => {
      const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      if (!actual?.length) return ifExists || negated || allValues;
      const matches = (a: string) =>
        negated ? list(expected).every((e) => test(e, a)) : list(expected).some((e) => test(e, a));
      return allValues ? actual.every(matches) : actual.some(matches);
    });
  });
}

function statementMatches(statement: Json, request: Request): boolean {
  const principals = list(statement.Principal === '*' ? '*' : statement.Principal?.Federated);
  if (!principals.some((p) => p === '*' || p === request.federated)) return false;
  if (!list(statement.Action).some((a) => like(a, request.action, true))) return false;
  return conditionHolds(statement.Condition, request.context);
}

export function allows(policy: Json, request: Request): boolean {
  const matching = (policy.Statement as Json[]).filter((s) => statementMatches(s, request));
  return !matching.some((s) => s.Effect === 'Deny') && matching.some((s) => s.Effect === 'Allow');
}
