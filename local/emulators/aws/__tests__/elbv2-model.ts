/**
 * Checks the emulator's ELBv2 XML against AWS's published model (npm aws-sdk v2's
 * `apis/elasticloadbalancingv2-2015-12-01.min.json`): the root element and namespace, the result
 * wrapper, every element a member of its structure, lists as `<member>`, scalars of their type,
 * required members present. Returns problems as `path: what is wrong`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// biome-ignore lint/suspicious/noExplicitAny: model documents are open-ended JSON
type Json = any;
interface Node {
  name: string;
  attrs: string;
  children: Node[];
  text: string;
}

const require = createRequire(import.meta.url);
const model = JSON.parse(
  readFileSync(require.resolve('aws-sdk/apis/elasticloadbalancingv2-2015-12-01.min.json'), 'utf8'),
);

/** Enough XML for well-formed service responses: elements, attributes kept raw, text, entities. */
export function parseXml(xml: string): Node {
  const root: Node = { name: '#document', attrs: '', children: [], text: '' };
  const stack = [root];
  for (const m of xml.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([\w:]+)([^>]*?)(\/?)>|([^<]+)/g)) {
    const top = stack[stack.length - 1]!;
    if (m[5] !== undefined) {
      top.text += m[5]
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&');
    } else if (m[1]) {
      if (top.name !== m[2]) throw new Error(`</${m[2]}> closes <${top.name}>`);
      stack.pop();
    } else {
      const node: Node = { name: m[2]!, attrs: m[3]!, children: [], text: '' };
      top.children.push(node);
      if (!m[4]) stack.push(node);
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  return root.children[0]!;
}

const resolve = (shape: Json): Json => (shape?.shape ? resolve(model.shapes[shape.shape]) : (shape ?? {}));

function walk(node: Node, shape: Json, path: string, problems: string[]): void {
  const s = resolve(shape);
  const type = s.type ?? 'string';
  if (type === 'structure') {
    const members = s.members ?? {};
    for (const child of node.children) {
      if (!(child.name in members)) problems.push(`${path}.${child.name}: not a member of the model's structure`);
      else walk(child, members[child.name], `${path}.${child.name}`, problems);
    }
    for (const name of s.required ?? []) {
      if (!node.children.some((c) => c.name === name)) problems.push(`${path}.${name}: required member missing`);
    }
  } else if (type === 'list') {
    node.children.forEach((child, i) => {
      if (child.name !== 'member') problems.push(`${path}[${i}]: list items must be <member>, got <${child.name}>`);
      else walk(child, s.member, `${path}[${i}]`, problems);
    });
  } else if (node.children.length) {
    problems.push(`${path}: ${type} with child elements`);
  } else if (type === 'integer' || type === 'long') {
    if (!/^-?\d+$/.test(node.text)) problems.push(`${path}: '${node.text}' is not an ${type}`);
  } else if (type === 'boolean') {
    if (!/^(true|false)$/.test(node.text)) problems.push(`${path}: '${node.text}' is not a boolean`);
  } else if (type === 'timestamp') {
    if (Number.isNaN(Date.parse(node.text))) problems.push(`${path}: '${node.text}' is not a timestamp`);
  }
}

export function checkResponse(action: string, xml: string): string[] {
  const op = model.operations[action];
  if (!op) return [`${action}: not an ELBv2 operation`];
  const root = parseXml(xml);
  const problems: string[] = [];
  if (root.name !== `${action}Response`) problems.push(`root <${root.name}>, expected <${action}Response>`);
  if (!root.attrs.includes(`xmlns="${model.metadata.xmlNamespace}"`))
    problems.push(`root lacks xmlns="${model.metadata.xmlNamespace}"`);
  const result = root.children.find((c) => c.name === op.output?.resultWrapper);
  if (op.output && !result) problems.push(`no <${op.output.resultWrapper}>`);
  if (result) walk(result, op.output, action, problems);
  const requestId = root.children
    .find((c) => c.name === 'ResponseMetadata')
    ?.children.find((c) => c.name === 'RequestId');
  if (!requestId?.text) problems.push('no ResponseMetadata/RequestId');
  return problems;
}

/** An error answer: `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code>...</Code><Message>` and a RequestId. */
export function checkError(xml: string): { problems: string[]; code?: string; type?: string } {
  const root = parseXml(xml);
  const error = root.children.find((c) => c.name === 'Error');
  const field = (name: string) => error?.children.find((c) => c.name === name)?.text;
  const problems: string[] = [];
  if (root.name !== 'ErrorResponse') problems.push(`root <${root.name}>, expected <ErrorResponse>`);
  if (!['Sender', 'Receiver'].includes(field('Type') ?? '')) problems.push(`Error/Type '${field('Type')}'`);
  if (!field('Code')) problems.push('no Error/Code');
  if (field('Message') === undefined) problems.push('no Error/Message');
  if (!root.children.find((c) => c.name === 'RequestId')?.text) problems.push('no RequestId');
  return { problems, code: field('Code'), type: field('Type') };
}
