/** One Query-protocol request to ELBv2: parse, dispatch, answer in XML (the server routes it here). */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Elbv2 } from './elbv2.js';
import { ElbError, errorXml, parseQuery, responseXml } from './query.js';

export async function serveQuery(
  elbv2: Elbv2,
  headers: IncomingHttpHeaders,
  body: Buffer,
  res: ServerResponse,
): Promise<number> {
  const requestId = randomUUID();
  const send = (status: number, xml: string) => {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    res.end(xml);
    return status;
  };
  const fail = (error: ElbError) => send(error.status, errorXml(error, requestId));
  const { action, params } = parseQuery(body.toString('utf8'));
  if (!headers.authorization)
    return fail(new ElbError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403));
  try {
    return send(200, responseXml(action, await elbv2.handle(action, params), requestId));
  } catch (error) {
    if (error instanceof ElbError) return fail(error);
    console.error(`[aws-emulator] ELBv2 ${action} failed:`, error);
    return fail(new ElbError('InternalFailure', String((error as Error).message ?? error), 500, 'Receiver'));
  }
}

export { isQueryRequest } from './query.js';
