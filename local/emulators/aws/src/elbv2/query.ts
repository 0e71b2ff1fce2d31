/**
 * The AWS Query protocol as ELBv2 speaks it: a form-encoded POST (`Action=...&Version=2015-12-01`,
 * lists as `Name.member.N`, structures as `Name.Field`) in, XML out, in the 2015-12-01 namespace
 * with `ResponseMetadata/RequestId`; errors as `<ErrorResponse><Error><Type>Sender</Type>...`.
 * See "Query requests" and "Error responses" in the Elastic Load Balancing API Reference.
 */
import { randomUUID } from 'node:crypto';

export const ELBV2_VERSION = '2015-12-01';
export const ELBV2_NAMESPACE = `http://elasticloadbalancing.amazonaws.com/doc/${ELBV2_VERSION}/`;

// biome-ignore lint/suspicious/noExplicitAny: request and response documents are open-ended
export type Doc = Record<string, any>;

/** An ELBv2 error: its code (`TargetGroupNotFound`), HTTP status and the fault side. */
export class ElbError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

export const validationError = (message: string) => new ElbError('ValidationError', message);

/** True for a Query-protocol request of ELBv2's API version (form-encoded `Action=...&Version=2015-12-01`). */
export function isQueryRequest(contentType: string | undefined, body: Buffer): boolean {
  if (!String(contentType ?? '').startsWith('application/x-www-form-urlencoded')) return false;
  const form = new URLSearchParams(body.toString('utf8'));
  return form.has('Action') && form.get('Version') === ELBV2_VERSION;
}

/**
 * Form parameters to a document: `Targets.member.1.Id=a` -> `{ Targets: [{ Id: 'a' }] }`,
 * `Attributes.member.1.Key` likewise, `Matcher.HttpCode=200` -> `{ Matcher: { HttpCode: '200' } }`.
 * Values stay strings; the operation converts what it needs.
 */
export function parseQuery(body: string): { action: string; version: string; params: Doc } {
  const form = new URLSearchParams(body);
  const params: Doc = {};
  for (const [key, value] of form) {
    if (key === 'Action' || key === 'Version') continue;
    const parts = key.split('.');
    let node: Doc = params;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      if (parts[i + 1] === 'member' && /^\d+$/.test(parts[i + 2] ?? '')) {
        node[part] ??= [];
        const index = Number(parts[i + 2]) - 1;
        if (i + 2 === parts.length - 1) {
          node[part][index] = value;
          break;
        }
        node[part][index] ??= {};
        node = node[part][index];
        i += 2;
        continue;
      }
      if (last) node[part] = value;
      else node = node[part] ??= {};
    }
  }
  for (const list of lists(params)) compact(list);
  return { action: form.get('Action') ?? '', version: form.get('Version') ?? '', params };
}

function* lists(node: unknown): Generator<unknown[]> {
  if (Array.isArray(node)) {
    yield node;
    for (const item of node) yield* lists(item);
  } else if (node && typeof node === 'object') {
    for (const value of Object.values(node)) yield* lists(value);
  }
}

/** `member.1` and `member.3` without a 2 make a two-item list, as the service reads it. */
function compact(list: unknown[]): void {
  const items = list.filter((item) => item !== undefined);
  list.length = 0;
  list.push(...items);
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A document as Query XML: arrays as `<member>` items, dates as ISO 8601, undefined left out. */
export function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    return Object.entries(value as Doc)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return escapeXml(String(value));
}

export function responseXml(action: string, result: Doc, requestId: string = randomUUID()): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${ELBV2_NAMESPACE}">` +
    `<${action}Result>${toXml(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function errorXml(error: ElbError, requestId: string = randomUUID()): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${ELBV2_NAMESPACE}">` +
    `<Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
