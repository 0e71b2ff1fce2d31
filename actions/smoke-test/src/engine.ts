/**
 * The timing semantics of a smoke test (after progressive-delivery analysis runs, not a bare retry
 * count): one initial delay, then every check polls concurrently (at most `concurrency` requests in
 * flight) until it has passed `consecutiveSuccesses` times in a row, or has failed `failureLimit`
 * times, or the one overall deadline leaves no room for another attempt. Between attempts: the
 * interval after a pass, exponential backoff with jitter (interval doubling up to maxInterval)
 * after a failure. A response from another version than the expected one is a wait, not a
 * failure. The verdict comes as soon as every check has passed or any has failed for good; the
 * other checks are stopped then. Time and randomness are injected: unit tests never sleep.
 */
import type { Clock } from '../../../shared/clock.js';
import { errorMessage } from '../../../shared/errors.js';
import { backoffDelay } from '../../../shared/retry.js';
import { type Expectations, evaluate } from './expect.js';
import { type HttpResult, RequestError } from './request.js';

export interface Check {
  name: string;
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  intervalMs: number;
  maxIntervalMs: number;
  consecutiveSuccesses: number;
  /** Failed attempts after which the check fails for good; 0: only the deadline ends it. */
  failureLimit: number;
  ca?: string;
  insecureSkipVerify: boolean;
  /** 0: no certificate-expiry check. */
  minCertDays: number;
  expect: Expectations;
}

export type Send = (check: Check, timeoutMs: number, signal: AbortSignal) => Promise<HttpResult>;

export interface EngineOptions {
  clock: Clock;
  random?: () => number;
  /** Wall-clock time for certificate expiry (the injected clock may start at 0). */
  today?: () => number;
  concurrency: number;
  initialDelayMs: number;
  deadlineMs: number;
  send: Send;
  onAttempt?: (check: Check, record: AttemptRecord, outcome: CheckOutcome) => void;
}

export interface AttemptRecord {
  attempt: number;
  /** pass, fail, or wait (another version answered). */
  kind: 'pass' | 'fail' | 'wait';
  status?: number;
  latencyMs?: number;
  problems: string[];
  /** Milliseconds until the next attempt, when there is one. */
  nextInMs?: number;
}

export interface CheckOutcome {
  name: string;
  result: 'pending' | 'passed' | 'failed' | 'stopped';
  attempts: number;
  /** Failed attempts (waits for the version not counted). */
  failures: number;
  /** Attempts answered by another version. */
  waits: number;
  consecutive: number;
  lastStatus?: number;
  lastError?: string;
  /** Why the check ended (failed or stopped). */
  reason?: string;
  latencies: number[];
  version?: string;
  certificateDaysLeft?: number;
  /** Clock time at which the check ended, from the start of the run. */
  endedAtMs?: number;
}

const DAY_MS = 86_400_000;

class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** Sleeps on the injected clock, or returns early when the run is stopped. */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done);
    void clock.sleep(ms).then(done);
  });
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}

export async function runChecks(checks: Check[], options: EngineOptions): Promise<CheckOutcome[]> {
  const { clock, random = Math.random, today = Date.now } = options;
  const started = clock.now();
  const deadlineAt = started + options.deadlineMs;
  const slots = new Semaphore(Math.max(1, options.concurrency));
  const stop = new AbortController();
  const outcomes = checks.map(
    (check): CheckOutcome => ({
      name: check.name,
      result: 'pending',
      attempts: 0,
      failures: 0,
      waits: 0,
      consecutive: 0,
      latencies: [],
    }),
  );

  const end = (outcome: CheckOutcome, result: 'passed' | 'failed', reason?: string) => {
    outcome.result = result;
    outcome.reason = reason;
    outcome.endedAtMs = clock.now() - started;
    if (result === 'failed') stop.abort();
  };

  async function runOne(check: Check, outcome: CheckOutcome): Promise<void> {
    let notPassedInARow = 0;
    while (!stop.signal.aborted) {
      const remaining = deadlineAt - clock.now();
      if (remaining <= 0) {
        end(outcome, 'failed', deadlineReason(outcome, options.deadlineMs));
        return;
      }
      await slots.acquire();
      if (stop.signal.aborted) {
        slots.release();
        break;
      }
      const record: AttemptRecord = { attempt: ++outcome.attempts, kind: 'fail', problems: [] };
      let fatal = false;
      try {
        const timeoutMs = Math.max(1, Math.min(check.timeoutMs, deadlineAt - clock.now()));
        const response = await options.send(check, timeoutMs, stop.signal);
        record.status = outcome.lastStatus = response.status;
        record.latencyMs = response.latencyMs;
        outcome.latencies.push(response.latencyMs);
        const verdict = evaluate(check.expect, response);
        record.problems = verdict.problems;
        if (verdict.version !== undefined) outcome.version = verdict.version;
        if (response.certificate && check.minCertDays > 0) {
          const daysLeft = (response.certificate.expiresAt - today()) / DAY_MS;
          outcome.certificateDaysLeft = Math.floor(daysLeft * 10) / 10;
          if (daysLeft < check.minCertDays) {
            fatal = true;
            record.problems.push(
              `the certificate of ${check.url.host} expires in ${outcome.certificateDaysLeft} days (${response.certificate.validTo}), under min-cert-days ${check.minCertDays}`,
            );
          }
        }
        record.kind = record.problems.length === 0 ? 'pass' : verdict.otherVersion && !fatal ? 'wait' : 'fail';
      } catch (error) {
        if (stop.signal.aborted) {
          outcome.attempts--; // cut short by the verdict: not an attempt that tells anything
          slots.release();
          break;
        }
        record.problems = [errorMessage(error)];
        fatal = error instanceof RequestError && error.tls;
      }
      slots.release();

      if (record.kind === 'pass') {
        outcome.consecutive++;
        notPassedInARow = 0;
        if (outcome.consecutive >= check.consecutiveSuccesses) {
          end(outcome, 'passed');
          options.onAttempt?.(check, record, outcome);
          return;
        }
      } else {
        outcome.consecutive = 0;
        notPassedInARow++;
        outcome.lastError = record.problems.join('; ');
        if (record.kind === 'wait') outcome.waits++;
        else {
          outcome.failures++;
          if (fatal || (check.failureLimit > 0 && outcome.failures >= check.failureLimit)) {
            end(
              outcome,
              'failed',
              fatal
                ? outcome.lastError
                : `failed ${outcome.failures} time${outcome.failures === 1 ? '' : 's'} (failure-limit ${check.failureLimit}): ${outcome.lastError}`,
            );
            options.onAttempt?.(check, record, outcome);
            return;
          }
        }
      }
      const delay =
        record.kind === 'pass'
          ? check.intervalMs
          : backoffDelay(notPassedInARow, check.intervalMs, Math.max(check.intervalMs, check.maxIntervalMs), random);
      if (clock.now() + delay >= deadlineAt) {
        end(outcome, 'failed', deadlineReason(outcome, options.deadlineMs));
        options.onAttempt?.(check, record, outcome);
        return;
      }
      record.nextInMs = delay;
      options.onAttempt?.(check, record, outcome);
      await sleep(clock, delay, stop.signal);
    }
    if (outcome.result === 'pending') {
      outcome.result = 'stopped';
      outcome.reason = 'stopped: another check failed';
      outcome.endedAtMs = clock.now() - started;
    }
  }

  await sleep(clock, options.initialDelayMs, stop.signal);
  await Promise.all(checks.map((check, i) => runOne(check, outcomes[i]!)));
  return outcomes;
}

function deadlineReason(outcome: CheckOutcome, deadlineMs: number): string {
  const what =
    outcome.attempts === 0
      ? 'before the first attempt'
      : `after ${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}`;
  const state =
    outcome.consecutive > 0
      ? `${outcome.consecutive} consecutive pass${outcome.consecutive === 1 ? '' : 'es'} so far`
      : outcome.lastError
        ? `last: ${outcome.lastError}`
        : '';
  return `deadline of ${formatMs(deadlineMs)} reached ${what}${state ? `; ${state}` : ''}`;
}
