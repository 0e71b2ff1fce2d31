/**
 * Configuration shared by every AWS SDK v3 client of the suite. Endpoints come from the SDK's
 * standard `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` variables, so the same code runs
 * against AWS and the local emulators; credentials come from the standard chain (OIDC sets them
 * as environment variables). Throttling and 5xx are retried by the SDK's adaptive retry mode.
 */
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

/** AWS error names that mean "slow down" rather than "wrong". */
export const isThrottling = (error: unknown): boolean =>
  /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown/i.test((error as { name?: string })?.name ?? '');
