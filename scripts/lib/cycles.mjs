// Import cycles among the suite's own modules (actions/, shared/, local/): a small resolver over
// relative imports. Type-only imports count (a cycle of types is still two modules that cannot be
// read one without the other); dynamic `import()` does not (it is how heavy clients load lazily).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const CYCLE_ROOTS = ['actions', 'shared', 'local'];
const SOURCE = /\.(ts|mts|mjs|js)$/;
const SKIP = new Set(['node_modules', 'dist', '.local']);
/** `import ... from '...'`, `export ... from '...'` and `import '...'` at the start of a line. */
const STATIC_IMPORT = /^[ \t]*(?:import|export)\b(?:[^'"`;]*?\bfrom\b)?\s*['"]([^'"]+)['"]/gm;

/** @param {string} dir @returns {string[]} */
function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/** The file a relative specifier names: NodeNext `.js` suffixes stand for `.ts` sources. */
function resolveImport(from, specifier) {
  const base = resolve(dirname(from), specifier);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    `${base}.ts`,
    `${base}.mjs`,
    `${base}.js`,
    join(base, 'index.ts'),
    join(base, 'index.mjs'),
    join(base, 'index.js'),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/**
 * The import graph: file -> [{ to, line }].
 * @param {string} root
 */
export function importGraph(root, roots = CYCLE_ROOTS) {
  /** @type {Map<string, { to: string, line: number }[]>} */
  const graph = new Map();
  for (const file of roots.flatMap((r) => sourceFiles(join(root, r)))) {
    const text = readFileSync(file, 'utf8');
    const edges = [];
    for (const match of text.matchAll(STATIC_IMPORT)) {
      const specifier = match[1];
      if (!specifier.startsWith('.')) continue;
      const to = resolveImport(file, specifier);
      if (!to) continue;
      const at = match.index + match[0].indexOf(specifier);
      edges.push({ to, line: text.slice(0, at).split('\n').length });
    }
    graph.set(file, edges);
  }
  return graph;
}

/**
 * One cycle per strongly connected component (Tarjan), as the list of files around it.
 * @param {Map<string, { to: string }[]>} graph
 * @returns {string[][]}
 */
export function findCycles(graph) {
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const visit = (node) => {
    indices.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const { to } of graph.get(node) ?? []) {
      if (!graph.has(to)) continue;
      if (!indices.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node), low.get(to)));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node), indices.get(to)));
    }
    if (low.get(node) !== indices.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    const selfLoop = (graph.get(node) ?? []).some((e) => e.to === node);
    if (component.length > 1 || selfLoop) components.push(component);
  };
  for (const node of [...graph.keys()].sort()) if (!indices.has(node)) visit(node);
  // A path around each component: from its first file (by name), the shortest way back to it.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0];
    const previous = new Map([[start, undefined]]);
    const queue = [start];
    while (queue.length) {
      const node = queue.shift();
      for (const { to } of graph.get(node) ?? []) {
        if (to === start) {
          const path = [];
          for (let at = node; at !== undefined; at = previous.get(at)) path.unshift(at);
          return [...path, start];
        }
        if (members.has(to) && !previous.has(to)) {
          previous.set(to, node);
          queue.push(to);
        }
      }
    }
    return [start, start];
  });
}

const rel = (root, file) => relative(root, file).split(sep).join('/');

/**
 * npm run check: every import cycle, reported at the import that closes it.
 * @param {string} root
 * @returns {import('./yaml-source.mjs').Problem[]}
 */
export function checkImportCycles(root, roots = CYCLE_ROOTS) {
  const graph = importGraph(root, roots);
  return findCycles(graph).map((cycle) => {
    const [first, second] = cycle;
    const line = graph.get(first)?.find((e) => e.to === second)?.line ?? 1;
    return {
      path: rel(root, first),
      line,
      message: `import cycle: ${cycle.map((f) => rel(root, f)).join(' -> ')}; expected modules that import one way (move the shared type or helper into a module both import)`,
    };
  });
}
