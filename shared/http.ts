import { errorCode } from './errors.js';
import { isTransientCode, isTransientStatus, parseRetryAfter, type RetryOptions, retry } from './retry.js';

/** A failed HTTP exchange that kept its status and Retry-After, for retry decisions and messages. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfterMs?: number,
    readonly body?: string,
  ) {
    super(message);
  }
}

export const isRetryableHttpError = (error: unknown): boolean =>
  error instanceof HttpError ? isTransientStatus(error.status) : isTransientCode(errorCode(error));

/**
 * fetch with retries on 429/5xx and connection faults, honouring Retry-After. `accept` decides
 * which statuses are answers (default: below 400); any other status becomes an HttpError.
 */
export async function fetchWithRetry(
  url: string | URL,
  init: RequestInit & { timeoutMs?: number },
  options: Omit<RetryOptions, 'isRetryable' | 'retryAfterMs'> & { accept?: (status: number) => boolean },
): Promise<Response> {
  const accept = options.accept ?? ((status: number) => status < 400);
  return retry(
    async () => {
      const response = await fetch(url, {
        ...init,
        signal: init.timeoutMs ? AbortSignal.timeout(init.timeoutMs) : init.signal,
      });
      if (accept(response.status)) return response;
      const body = await response.text().catch(() => '');
      throw new HttpError(
        `${init.method ?? 'GET'} ${new URL(String(url)).pathname} answered ${response.status}`,
        response.status,
        parseRetryAfter(response.headers.get('retry-after')),
        body.slice(0, 2000),
      );
    },
    {
      ...options,
      isRetryable: (error) => isRetryableHttpError(error) || (error as Error)?.name === 'TimeoutError',
      retryAfterMs: (error) => (error instanceof HttpError ? error.retryAfterMs : undefined),
    },
  );
}
