/**
 * Configuration shared by every AWS SDK v3 client of the suite. Endpoints come from the SDK's
 * standard `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` variables, so the same code runs
 * against AWS and the local emulators; credentials come from the standard chain (OIDC sets them
 * as environment variables). Throttling and 5xx are retried by the SDK's adaptive retry mode.
 */
import { errorCode } from './errors.js';
import { isTransientCode } from './retry.js';

export interface AwsClientConfig {
  region: string;
  maxAttempts: number;
  retryMode: 'adaptive';
}

export function awsClientConfig(region?: string, maxAttempts = 8): AwsClientConfig {
  const resolved = region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (!resolved) {
    throw new Error('no AWS region: set the aws-region input, or AWS_REGION (configure-aws-credentials does)');
  }
  return { region: resolved, maxAttempts, retryMode: 'adaptive' };
}

interface AwsErrorShape {
  name?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** AWS error names that mean "slow down" rather than "wrong". */
export const isThrottling = (error: unknown): boolean =>
  /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown/i.test((error as AwsErrorShape)?.name ?? '');

/**
 * Error names of AWS's server-side and timeout faults across services (ECS's ServerException,
 * the query protocol's ServiceUnavailable / InternalFailure, S3's RequestTimeout) and the SDK's
 * own TimeoutError (socket or connection timeout).
 */
const TRANSIENT_NAMES = new Set([
  'ServerException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'InternalServiceError',
  'InternalServiceException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/**
 * Whether an AWS SDK error is worth another attempt: throttling, a server fault (`$fault: server`,
 * any 5xx), a known transient error name, or a network error (ECONNRESET, ETIMEDOUT...). Decided
 * by the error's code and name, never by its message, which AWS does not keep stable.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as AwsErrorShape;
  if (isThrottling(error)) return true;
  if (e.$fault === 'server') return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  if (e.name && TRANSIENT_NAMES.has(e.name)) return true;
  return isTransientCode(errorCode(error));
}
