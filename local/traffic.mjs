// A steady request load through the example's load balancers (autocannon at a fixed overall rate
// per listener), the measure of issue 14: a deploy or a rollback must lose no request.
// startTraffic(urls) -> { stop() -> { sent, failed, errors, timeouts, status5xx, p50, p99 } }, with
// `before` (a short sample taken before the measured period) and `during` latency figures.
import autocannon from 'autocannon';

export const RATE_PER_LISTENER = 100;

/** One autocannon run against `url` at `rate` requests/s until stopped. */
function load(url, rate, durationSeconds) {
  let instance;
  const done = new Promise((resolve, reject) => {
    instance = autocannon(
      // 10 connections keep up with 100 requests/s even at a slow response (the rate is overall).
      { url, connections: 10, overallRate: rate, duration: durationSeconds, timeout: 5 },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  const stop = () => {
    instance.stop();
    return done;
  };
  return { stop, done };
}

/** Failures as the issue counts them: connection errors (and timeouts) plus 5xx answers. */
function summary(results) {
  const sum = (f) => results.reduce((n, r) => n + f(r), 0);
  // Requests that ended (an answer or an error); autocannon's `requests.sent` also counts ones
  // still in flight when it stops.
  const sent = sum((r) => r.requests.total + r.errors);
  const errors = sum((r) => r.errors - r.timeouts);
  const timeouts = sum((r) => r.timeouts);
  const status5xx = sum((r) => r['5xx']);
  // Latency percentiles of the slowest listener (a mean of percentiles would hide it).
  const p50 = Math.max(...results.map((r) => r.latency.p50));
  const p99 = Math.max(...results.map((r) => r.latency.p99));
  return { sent, failed: errors + timeouts + status5xx, errors, timeouts, status5xx, p50, p99 };
}

/** Samples `urls` for `beforeSeconds`, then loads them until stop(). */
export async function startTraffic(urls, { rate = RATE_PER_LISTENER, beforeSeconds = 3 } = {}) {
  const before = summary(await Promise.all(urls.map((u) => load(u, rate, beforeSeconds).done)));
  // autocannon needs a duration; a day is "until stopped".
  const runs = urls.map((u) => load(u, rate, 86400));
  return {
    async stop() {
      const during = summary(await Promise.all(runs.map((r) => r.stop())));
      return {
        ratePerListener: rate,
        listeners: urls,
        before,
        during,
        sent: before.sent + during.sent,
        failed: before.failed + during.failed,
      };
    },
  };
}

/** One line for the pipeline's output. */
export const describeTraffic = (t) =>
  `traffic (${t.listeners.length} listeners x ${t.ratePerListener} req/s): ${t.sent} sent, ${t.failed} failed ` +
  `(connection errors ${t.before.errors + t.during.errors}, timeouts ${t.before.timeouts + t.during.timeouts}, ` +
  `5xx ${t.before.status5xx + t.during.status5xx}); p50/p99 before ${t.before.p50}/${t.before.p99} ms, ` +
  `during ${t.during.p50}/${t.during.p99} ms`;
