/** ECS list pagination: `maxResults` (1-100, default 100) and an opaque `nextToken`. */
import { invalidParameter } from '../errors.js';
import type { Json } from './types.js';

export function paginate(items: string[], input: Json, key: string): Json {
  const start = input.nextToken ? Number.parseInt(Buffer.from(String(input.nextToken), 'base64').toString(), 10) : 0;
  if (Number.isNaN(start)) throw invalidParameter('Invalid nextToken.');
  const size = Math.min(Math.max(Number(input.maxResults ?? 100), 1), 100);
  const page = items.slice(start, start + size);
  const result: Json = { [key]: page };
  if (start + size < items.length) result.nextToken = Buffer.from(String(start + size)).toString('base64');
  return result;
}
