/** One Query-protocol request to IAM or STS (the server routes them here by their `Version`). */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Iam } from './iam.js';
import { errorXml, parseForm, QueryError, responseXml } from './query.js';
import type { Sts } from './sts.js';

export async function serveIamSts(
  service: 'iam' | 'sts',
  iam: Iam,
  sts: Sts,
  headers: IncomingHttpHeaders,
  body: Buffer,
  res: ServerResponse,
): Promise<{ action: string; status: number }> {
  const requestId = randomUUID();
  const { action, params } = parseForm(body.toString('utf8'));
  const send = (status: number, xml: string) => {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    res.end(xml);
    return { action, status };
  };
  const fail = (error: QueryError) => send(error.status, errorXml(service, error, requestId));
  const authorization = String(headers.authorization ?? '');
  // AssumeRoleWithWebIdentity is the one unsigned call: the token is the credential.
  if (!authorization && action !== 'AssumeRoleWithWebIdentity') {
    return fail(new QueryError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403));
  }
  const accessKeyId = /Credential=([^/,\s]+)/.exec(authorization)?.[1];
  try {
    const result = service === 'iam' ? iam.handle(action, params) : await sts.handle(action, params, accessKeyId);
    return send(200, responseXml(service, action, result, requestId));
  } catch (error) {
    if (error instanceof QueryError) return fail(error);
    console.error(`[aws-emulator] ${service} ${action} failed:`, error);
    return fail(
      new QueryError(service === 'iam' ? 'ServiceFailure' : 'InternalFailure', String(error), 500, 'Receiver'),
    );
  }
}
