// YAML with line numbers: every check reports `path:line: message`, so we keep the document
// (not just the plain data) and a LineCounter to map node offsets back to lines.
import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';

/**
 * @typedef {{ path: string, line: number, message: string }} Problem
 *   `path` is relative to the checked root, with forward slashes; `line` is 1-based.
 */

/**
 * @typedef {object} YamlSource
 * @property {string} path      path relative to the root (for messages)
 * @property {string} text
 * @property {import('yaml').Document.Parsed} doc
 * @property {LineCounter} lineCounter
 * @property {Problem[]} errors  YAML syntax errors, already as problems
 */

/**
 * @param {string} text
 * @param {string} path relative path used in problems
 * @returns {YamlSource}
 */
export function parseYamlSource(text, path) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: true, prettyErrors: false });
  const errors = doc.errors.map((e) => ({
    path,
    line: lineCounter.linePos(e.pos[0]).line,
    message: `invalid YAML: ${e.message.split('\n')[0]}`,
  }));
  return { path, text, doc, lineCounter, errors };
}

/**
 * @param {string} absPath
 * @param {string} relPath
 * @returns {YamlSource}
 */
export function readYamlSource(absPath, relPath) {
  return parseYamlSource(readFileSync(absPath, 'utf8'), relPath);
}

/**
 * 1-based line where a node (or pair key) starts; `fallback` when the node has no range.
 * @param {YamlSource} src
 * @param {unknown} node
 * @param {number} [fallback]
 */
export function lineOf(src, node, fallback = 1) {
  const range = /** @type {{ range?: [number, number, number] } | null | undefined} */ (node)?.range;
  return range ? src.lineCounter.linePos(range[0]).line : fallback;
}

/**
 * The pairs of a YAML map node as `{ key, keyNode, value, pair }` (scalar keys only); [] if not a map.
 * @param {unknown} node
 */
export function mapEntries(node) {
  if (!isMap(node)) return [];
  /** @type {{ key: string, keyNode: any, value: any, pair: any }[]} */
  const out = [];
  for (const pair of node.items) {
    if (isScalar(pair.key)) out.push({ key: String(pair.key.value), keyNode: pair.key, value: pair.value, pair });
  }
  return out;
}

/**
 * The entry of `key` in a map node, or undefined.
 * @param {unknown} node
 * @param {string} key
 */
export function mapGet(node, key) {
  return mapEntries(node).find((e) => e.key === key);
}

/**
 * Plain JS value of a scalar node (undefined for null / non-scalars).
 * @param {unknown} node
 */
export function scalarValue(node) {
  if (!isScalar(node)) return undefined;
  return node.value === null ? undefined : node.value;
}

/** @param {Problem} p */
export function formatProblem(p) {
  return `${p.path}:${p.line}: ${p.message}`;
}

/** @param {Problem[]} problems */
export function sortProblems(problems) {
  return [...problems].sort((a, b) =>
    a.path === b.path ? a.line - b.line || a.message.localeCompare(b.message) : a.path < b.path ? -1 : 1,
  );
}
