/**
 * `strategy.matrix` expansion as GitHub documents it: the cartesian product of the array-valued
 * keys, minus `exclude` (partial matches), then `include`: each entry extends every combination
 * whose original values it does not overwrite, or becomes a combination of its own.
 */
import type { Json } from './expressions.js';

export type Combination = Record<string, Json>;

const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);

export function expandMatrix(matrix: Json): Combination[] {
  if (matrix === null || typeof matrix !== 'object' || Array.isArray(matrix)) {
    throw new Error(`strategy.matrix must be a mapping, got ${JSON.stringify(matrix)}`);
  }
  const { include, exclude, ...dimensions } = matrix as Record<string, Json>;
  let combinations: Combination[] = [{}];
  const keys = Object.keys(dimensions);
  for (const key of keys) {
    const values = dimensions[key];
    if (!Array.isArray(values)) throw new Error(`strategy.matrix.${key} must be a list, got ${JSON.stringify(values)}`);
    combinations = combinations.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  if (keys.length === 0) combinations = [];
  for (const rule of asList(exclude, 'exclude')) {
    combinations = combinations.filter((c) => !Object.entries(rule).every(([k, v]) => k in c && matches(c[k]!, v)));
  }
  const originals = combinations.map((c) => ({ ...c }));
  for (const entry of asList(include, 'include')) {
    let added = false;
    combinations.forEach((combination, i) => {
      const original = originals[i]!;
      const overwrites = Object.entries(entry).some(([k, v]) => k in original && !same(original[k]!, v));
      if (!overwrites) {
        Object.assign(combination, entry);
        added = true;
      }
    });
    if (!added) {
      combinations.push({ ...entry });
      originals.push({ ...entry });
    }
  }
  return combinations;
}

/** An exclude value matches a combination value; nested objects match partially. */
function matches(value: Json, rule: Json): boolean {
  if (
    rule !== null &&
    typeof rule === 'object' &&
    !Array.isArray(rule) &&
    value !== null &&
    typeof value === 'object'
  ) {
    return Object.entries(rule).every(([k, v]) => matches((value as Record<string, Json>)[k] ?? null, v));
  }
  return same(value, rule);
}

function asList(value: Json | undefined, name: string): Record<string, Json>[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`strategy.matrix.${name} must be a list of mappings`);
  return value.map((item) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new Error(`strategy.matrix.${name} must be a list of mappings`);
    }
    return item as Record<string, Json>;
  });
}

/** `build (backend, 24)`: how GitHub names a matrix job. */
export function matrixLabel(combination: Combination): string {
  // An object value is shown by its `name` when it has one (readable job names in logs and reports).
  const show = (v: Json): string => {
    if (v === null || typeof v !== 'object') return String(v);
    const name = Array.isArray(v) ? undefined : (v as Record<string, Json>).name;
    return typeof name === 'string' ? name : JSON.stringify(v);
  };
  const values = Object.values(combination).map(show);
  return values.join(', ');
}
