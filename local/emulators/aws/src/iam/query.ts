/**
 * The AWS Query protocol as IAM and STS speak it: a form-encoded POST (`Action=...&Version=...`,
 * lists as `Name.member.N`, structures as `Name.Field`) in, XML out in the service's namespace with
 * `ResponseMetadata/RequestId`; errors as `<ErrorResponse><Error><Type>Sender</Type><Code>...`.
 * See "Making query requests" and "Common errors" in the IAM and STS API references.
 */

// biome-ignore lint/suspicious/noExplicitAny: request and response documents are open-ended
export type Doc = Record<string, any>;

export const IAM_VERSION = '2010-05-08';
export const STS_VERSION = '2011-06-15';
export const NAMESPACES: Record<string, string> = {
  iam: `https://iam.amazonaws.com/doc/${IAM_VERSION}/`,
  sts: `https://sts.amazonaws.com/doc/${STS_VERSION}/`,
};

export class QueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

/** `iam` or `sts` for a form-encoded request of their API version, else undefined (another service's). */
export function queryService(contentType: string | undefined, body: Buffer): 'iam' | 'sts' | undefined {
  if (!String(contentType ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
  const version = new URLSearchParams(body.toString('utf8')).get('Version');
  return version === IAM_VERSION ? 'iam' : version === STS_VERSION ? 'sts' : undefined;
}

/** Form parameters: `Tags.member.1.Key=a` -> `{ Tags: [{ Key: 'a' }] }`, `ClientIDList.member.1=x` -> `['x']`. */
export function parseForm(body: string): { action: string; params: Doc } {
  const form = new URLSearchParams(body);
  const params: Doc = {};
  for (const [key, value] of form) {
    if (key === 'Action' || key === 'Version') continue;
    const m = /^(\w+)\.member\.(\d+)(?:\.(\w+))?$/.exec(key);
    if (!m) {
      params[key] = value;
      continue;
    }
    params[m[1]!] ??= [];
    const list: Doc[] = params[m[1]!];
    const index = Number(m[2]) - 1;
    if (m[3]) list[index] = { ...(list[index] ?? {}), [m[3]]: value };
    else list[index] = value as never;
  }
  for (const value of Object.values(params))
    if (Array.isArray(value)) value.splice(0, value.length, ...value.filter(Boolean));
  return { action: form.get('Action') ?? '', params };
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Objects become nested elements, arrays `<member>` lists, Dates ISO 8601 (as the Query protocol sends them). */
export function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (typeof value === 'object') {
    return Object.entries(value as Doc)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return escapeXml(String(value));
}

export function responseXml(service: string, action: string, result: Doc, requestId: string): string {
  return (
    `<${action}Response xmlns="${NAMESPACES[service]}"><${action}Result>${toXml(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function errorXml(service: string, error: QueryError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${NAMESPACES[service]}"><Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/** IAM/STS answer a missing required parameter with this wording. */
export function requireParams(params: Doc, names: string[]): void {
  const missing = names.filter((n) => params[n] === undefined || params[n] === '');
  if (!missing.length) return;
  const lower = (n: string) => n[0]!.toLowerCase() + n.slice(1);
  throw new QueryError(
    'ValidationError',
    `${missing.length} validation error${missing.length > 1 ? 's' : ''} detected: ${missing
      .map((n) => `Value null at '${lower(n)}' failed to satisfy constraint: Member must not be null`)
      .join('; ')}`,
  );
}
