import { type Clock, systemClock } from './clock.js';
import { errorMessage } from './errors.js';
import { info } from './log.js';

export interface RetryOptions {
  /** What is being tried, for log lines: `push backend: attempt 2 of 5 failed: ...`. */
  label: string;
  /** Total attempts, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Whether this error is worth another attempt (default: always). */
  isRetryable?: (error: unknown) => boolean;
  /** A server-given wait (Retry-After), honoured over the backoff when present. */
  retryAfterMs?: (error: unknown) => number | undefined;
  /** Stop retrying once the next attempt would start after this time (clock ms). */
  deadline?: number;
  clock?: Clock;
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/** Full-jitter exponential backoff: a random delay up to base * 2^(attempt-1), capped. */
export function backoffDelay(attempt: number, base: number, max: number, random: () => number = Math.random): number {
  const ceiling = Math.min(max, base * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Runs `fn` until it succeeds, the error is not retryable, attempts run out, or the deadline passes. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const {
    label,
    attempts = 5,
    baseDelayMs = 500,
    maxDelayMs = 30_000,
    isRetryable = () => true,
    retryAfterMs,
    deadline,
    clock = systemClock,
    random = Math.random,
  } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      const serverWait = retryAfterMs?.(error);
      const delayMs =
        serverWait !== undefined
          ? Math.min(serverWait, maxDelayMs * 4)
          : backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
      if (deadline !== undefined && clock.now() + delayMs > deadline) throw error;
      if (options.onRetry) options.onRetry({ attempt, delayMs, error });
      else
        info(`${label}: attempt ${attempt} of ${attempts} failed (${errorMessage(error)}); retrying in ${delayMs}ms`);
      await clock.sleep(delayMs);
    }
  }
}

/** Parses a Retry-After header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);
/** HTTP statuses and network error codes that are worth another attempt. */
export const isTransientStatus = (status: number): boolean => status === 429 || status === 408 || status >= 500;
export const isTransientCode = (code: string | undefined): boolean => code !== undefined && TRANSIENT_CODES.has(code);
