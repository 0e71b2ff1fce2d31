/**
 * Validates a response against GitHub's OpenAPI description (npm @octokit/openapi,
 * generated/api.github.com.json, OpenAPI 3.0.3): finds the operation by method and path template,
 * the response by status, and checks the JSON body with ajv. OpenAPI 3.0's `nullable: true` becomes
 * a JSON Schema `null` alternative; `$ref`s to components resolve inside one ajv schema; the
 * `discriminator` hint is dropped (ajv checks the oneOf itself). A status the operation does not
 * declare (GitHub documents 429 and 5xx globally, not per operation) is checked against
 * `basic-error`, the body GitHub sends for them; so is an error body where the operation declares
 * the status without content (GitHub sends `{ message, documentation_url }` there too).
 */
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;
const require = createRequire(import.meta.url);

/** OpenAPI 3.0 schema -> JSON Schema: nullable, refs into the `gh` schema, no discriminator. */
function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === 'discriminator' || k === 'example' || k === 'examples' || k === 'nullable') continue;
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace(/^#/, 'gh#');
    else out[k] = convert(v);
  }
  if ((node as Json).nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}

export interface Validation {
  /** The operation's path template, or undefined when the spec has none for the request. */
  template?: string;
  declared: boolean;
  errors: string[];
}

export function openApiValidator() {
  const spec = require('@octokit/openapi/generated/api.github.com.json') as {
    paths: Record<string, Record<string, { responses: Record<string, Json> }>>;
    components: Json;
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'gh', components: convert(spec.components) });
  const templates = Object.keys(spec.paths).map((t) => ({
    t,
    re: new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    literals: t.split('/').filter((s) => s && !s.startsWith('{')).length,
  }));
  const compiled = new Map<string, ReturnType<Ajv['compile']>>();
  const resolve = (r: Json): Json => {
    const ref = r.$ref as string | undefined;
    if (!ref) return r;
    const name = ref.split('/').pop()!;
    return resolve((spec.components.responses as Record<string, Json>)[name]!);
  };

  return function validate(method: string, path: string, status: number, body: unknown): Validation {
    const match = templates
      .filter((x) => x.re.test(path) && spec.paths[x.t]![method.toLowerCase()])
      .sort((a, b) => b.literals - a.literals)[0];
    if (!match) return { declared: false, errors: [`no operation ${method} ${path} in the OpenAPI description`] };
    const responses = spec.paths[match.t]![method.toLowerCase()]!.responses;
    const declared = responses[String(status)] ?? responses.default;
    const basicError = { $ref: '#/components/schemas/basic-error' };
    const response = declared ? resolve(declared) : { content: { 'application/json': { schema: basicError } } };
    let schema = (response.content as Record<string, { schema?: Json }> | undefined)?.['application/json']?.schema;
    // An error declared without content (e.g. some 404s): GitHub still sends its error body.
    if (!schema && status >= 400 && body !== undefined) schema = basicError;
    if (!schema) {
      const errors =
        body === undefined || body === ''
          ? []
          : [`${status} declares no body, got ${JSON.stringify(body).slice(0, 200)}`];
      return { template: match.t, declared: Boolean(declared), errors };
    }
    const key = `${method} ${match.t} ${status}`;
    let check = compiled.get(key);
    if (!check) {
      check = ajv.compile(convert(schema) as Json);
      compiled.set(key, check);
    }
    const ok = check(body);
    const errors = ok
      ? []
      : (check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    return { template: match.t, declared: Boolean(declared), errors };
  };
}
