/**
 * An HTTP handler for AWS SDK v3 clients that keeps every request and response body, so tests can
 * validate the raw wire documents (what the SDK parses leniently) against the published models:
 * JSON bodies parsed, Query-protocol requests as their form fields and responses as XML text.
 */
import type { HttpRequest, HttpResponse, RequestHandler } from '@smithy/types';

type HttpHandler = RequestHandler<HttpRequest, HttpResponse>;

export interface Exchange {
  /** `X-Amz-Target` (JSON protocols); empty for the Query protocol. */
  target: string;
  /** The Query protocol's `Version` (IAM `2010-05-08`, STS `2011-06-15`, ...); empty for JSON. */
  version: string;
  operation: string;
  request: unknown;
  status: number;
  response: unknown;
}

export function recordingHandler(): { handler: HttpHandler; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
      const query = new URLSearchParams(request.query as Record<string, string>).toString();
      const url = `${request.protocol}//${request.hostname}:${request.port}${request.path}${query ? `?${query}` : ''}`;
      const body =
        request.body === undefined
          ? undefined
          : request.body instanceof Uint8Array
            ? new TextDecoder().decode(request.body)
            : String(request.body);
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([k]) => k.toLowerCase() !== 'host'));
      const res = await fetch(url, { method: request.method, headers, body });
      const text = await res.text();
      const target = request.headers['x-amz-target'] ?? '';
      const form = target ? undefined : new URLSearchParams(body ?? '');
      const parse = (t: string | undefined) => {
        try {
          return t ? JSON.parse(t) : {};
        } catch {
          return t;
        }
      };
      exchanges.push({
        target,
        version: form?.get('Version') ?? '',
        operation: form ? (form.get('Action') ?? '') : target.slice(target.indexOf('.') + 1),
        request: form ? Object.fromEntries(form) : parse(body),
        status: res.status,
        response: form ? text : parse(text),
      });
      return {
        response: {
          statusCode: res.status,
          reason: res.statusText,
          headers: Object.fromEntries(res.headers.entries()),
          body: new TextEncoder().encode(text),
        } as HttpResponse,
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  return { handler: handler as unknown as HttpHandler, exchanges };
}
