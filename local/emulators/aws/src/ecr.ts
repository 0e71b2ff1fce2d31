/** ECR authorization (`AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken`) for the local registry. */
import { randomBytes } from 'node:crypto';
import { AwsError } from './errors.js';

// biome-ignore lint/suspicious/noExplicitAny: wire-format documents are open-ended JSON
type Json = Record<string, any>;

/** Tokens are valid for 12 hours (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html). */
const TOKEN_LIFETIME_S = 12 * 3600;

export function ecr(operation: string, input: Json, registry: string): Json {
  if (operation !== 'GetAuthorizationToken') {
    throw new AwsError('UnknownOperationException', `Operation ${operation} is not supported by the emulator`);
  }
  const token = () => Buffer.from(`AWS:emulator-${randomBytes(12).toString('hex')}`).toString('base64');
  const expiresAt = Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_S;
  const ids: string[] = input.registryIds?.length ? input.registryIds : [undefined];
  return { authorizationData: ids.map(() => ({ authorizationToken: token(), expiresAt, proxyEndpoint: registry })) };
}
