/**
 * AWS Query protocol (IAM, STS, ELBv2: form-encoded requests, XML responses) checked against the
 * same published models as aws-model.ts: the result element's members, types and required members,
 * lists as `<member>`, ISO 8601 timestamps, enum values; errors as `<ErrorResponse><Error>` with a
 * code from the operation's list or the Query APIs' common errors.
 */
import { loadModel, type ModelName, type ServiceModel, scalar } from './aws-model.js';

// biome-ignore lint/suspicious/noExplicitAny: model documents are open-ended JSON
type Json = any;

interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

/** A minimal XML reader for AWS Query responses (elements and text; no CDATA, attributes ignored). */
export function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: '#document', children: [], text: '' };
  const stack = [root];
  const decode = (t: string) =>
    t
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  for (const m of xml.matchAll(/<(\/?)([\w:.-]+)[^>]*?(\/?)>|([^<]+)/g)) {
    const top = stack.at(-1)!;
    if (m[4] !== undefined) {
      top.text += decode(m[4]);
    } else if (m[1]) {
      if (top.name !== m[2]) throw new Error(`XML: </${m[2]}> closes <${top.name}>`);
      stack.pop();
    } else if (!m[0].startsWith('<?')) {
      const node: XmlNode = { name: m[2]!, children: [], text: '' };
      top.children.push(node);
      if (!m[3]) stack.push(node);
    }
  }
  if (stack.length !== 1) throw new Error(`XML: <${stack.at(-1)!.name}> is not closed`);
  return root;
}

/** A Query-protocol success: `<OpResponse><OpResult>...</OpResult><ResponseMetadata><RequestId>`. */
export function checkQueryOutput(service: ModelName, operation: string, xml: string): string[] {
  const model = loadModel(service);
  const op = model.operations[operation];
  if (!op) return [`${operation}: not an operation of ${service}`];
  const doc = parseXml(xml).children[0];
  if (doc?.name !== `${operation}Response`)
    return [`${operation}: root element ${doc?.name}, expected ${operation}Response`];
  const problems: string[] = [];
  if (!doc.children.find((c) => c.name === 'ResponseMetadata')?.children.some((c) => c.name === 'RequestId')) {
    problems.push(`${operation}: no ResponseMetadata/RequestId`);
  }
  const wrapper = op.output?.resultWrapper;
  if (!wrapper) return problems;
  const result = doc.children.find((c) => c.name === wrapper);
  if (!result) return [...problems, `${operation}: no <${wrapper}>`];
  return [...problems, ...walkXml(model, result, op.output, model.v3.operations.get(operation)?.output, operation)];
}

/** A Query-protocol error: `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code>` in the operation's list. */
export function checkQueryError(service: ModelName, operation: string, status: number, xml: string): string[] {
  const model = loadModel(service);
  const doc = parseXml(xml).children[0];
  const error = doc?.children.find((c) => c.name === 'Error');
  if (doc?.name !== 'ErrorResponse' || !error) return [`${operation} error: expected <ErrorResponse><Error>`];
  const field = (name: string) => error.children.find((c) => c.name === name)?.text;
  const problems: string[] = [];
  const code = field('Code') ?? '';
  // The SDK v3 names a Query error class after its wire code, often with an `Exception` suffix.
  const listed = model.v3.operations.get(operation)?.errors ?? [];
  const known = listed.some((e) => e === code || e === `${code}Exception`) || QUERY_COMMON_ERRORS.has(code);
  if (!known)
    problems.push(
      `${operation} error: ${code} is not in the operation's errors (${listed.join(', ')}) nor a common error`,
    );
  if (!['Sender', 'Receiver'].includes(field('Type') ?? ''))
    problems.push(`${operation} error: <Type> is ${field('Type')}`);
  if ((field('Type') === 'Receiver') !== status >= 500)
    problems.push(`${operation} error: <Type>${field('Type')} with HTTP ${status}`);
  if (!doc.children.some((c) => c.name === 'RequestId')) problems.push(`${operation} error: no RequestId`);
  return problems;
}

/** Common errors of the Query APIs (IAM, STS, ELB "Common Errors" pages). */
const QUERY_COMMON_ERRORS = new Set([
  'AccessDenied',
  'IncompleteSignature',
  'InternalFailure',
  'InvalidAction',
  'InvalidClientTokenId',
  'InvalidParameterCombination',
  'InvalidParameterValue',
  'InvalidQueryParameter',
  'MalformedQueryString',
  'MissingAction',
  'MissingAuthenticationToken',
  'MissingParameter',
  'NotAuthorized',
  'OptInRequired',
  'RequestExpired',
  'ServiceUnavailable',
  'Throttling',
  'ValidationError',
]);

function walkXml(model: ServiceModel, node: XmlNode, shape: Json, v3type: string | undefined, path: string): string[] {
  const s = shape?.shape ? model.shapes[shape.shape] : shape;
  const type: string = s?.type ?? 'string';
  if (!s) return [];
  if (type === 'structure') {
    const v3members = v3type ? model.v3.types.get(v3type) : undefined;
    const problems: string[] = [];
    for (const child of node.children) {
      const member = s.members?.[child.name];
      const v3member = v3members?.get(child.name)?.type;
      if (member) problems.push(...walkXml(model, child, member, v3member, `${path}.${child.name}`));
      else if (!v3member) problems.push(`${path}.${child.name}: unknown member`);
    }
    for (const key of s.required ?? []) {
      if (!node.children.some((c) => c.name === key)) problems.push(`${path}.${key}: required member missing`);
    }
    return problems;
  }
  if (type === 'list') {
    const item = v3type?.endsWith('[]') ? v3type.slice(0, -2) : undefined;
    return node.children.flatMap((c, i) =>
      c.name === 'member'
        ? walkXml(model, c, s.member, item, `${path}[${i}]`)
        : [`${path}[${i}]: <${c.name}>, expected <member>`],
    );
  }
  if (type === 'map') {
    return node.children.flatMap((entry) => {
      const value = entry.children.find((c) => c.name === 'value');
      return entry.name === 'entry' && value
        ? walkXml(model, value, s.value, undefined, `${path}.entry`)
        : [`${path}: bad map entry`];
    });
  }
  if (node.children.length) return [`${path}: expected text, got elements`];
  const text = node.text;
  switch (type) {
    case 'integer':
    case 'long':
      return /^-?\d+$/.test(text) ? [] : [`${path}: expected an integer, got ${JSON.stringify(text)}`];
    case 'double':
    case 'float':
      return Number.isFinite(Number(text)) && text !== ''
        ? []
        : [`${path}: expected a number, got ${JSON.stringify(text)}`];
    case 'boolean':
      return text === 'true' || text === 'false'
        ? []
        : [`${path}: expected true or false, got ${JSON.stringify(text)}`];
    // Query protocols send timestamps as ISO 8601.
    case 'timestamp':
      return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(text)
        ? []
        : [`${path}: expected an ISO 8601 timestamp, got ${JSON.stringify(text)}`];
    default:
      return scalar(model, text, 'string', v3type, path);
  }
}
