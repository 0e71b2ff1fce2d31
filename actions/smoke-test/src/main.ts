import * as core from '@actions/core';
import { ActionFailed, setOutput } from '../../../shared/action.js';
import { systemClock } from '../../../shared/clock.js';
import { group, info } from '../../../shared/log.js';
import { displayUrl, redact } from '../../../shared/secrets.js';
import { writeSummary } from '../../../shared/summary.js';
import { type AttemptRecord, type Check, type CheckOutcome, formatMs, runChecks } from './engine.js';
import { getInputs } from './inputs.js';
import { buildReport, summaryMarkdown } from './report.js';
import { request } from './request.js';

function logAttempt(check: Check, record: AttemptRecord, outcome: CheckOutcome): void {
  const status = record.status !== undefined ? `${record.status} in ${formatMs(record.latencyMs ?? 0)}` : 'no response';
  const what = record.kind === 'pass' ? 'passed' : record.kind === 'wait' ? 'other version' : 'failed';
  const detail = record.problems.length ? `: ${record.problems.join('; ')}` : '';
  let next = '';
  if (outcome.result === 'passed') next = ' -> check passed';
  else if (outcome.result === 'failed') next = ' -> check failed';
  else if (record.nextInMs !== undefined) {
    const progress = record.kind === 'pass' ? ` (${outcome.consecutive}/${check.consecutiveSuccesses} in a row)` : '';
    next = `${progress}; next attempt in ${formatMs(record.nextInMs)}`;
  }
  info(`[${check.name}] attempt ${record.attempt}: ${status}, ${what}${detail}${next}`);
}

export async function main(): Promise<void> {
  const plan = getInputs();
  if (plan.unversioned.length) {
    info(`no expect-version: ${plan.unversioned.join(', ')} pass(es) on any version (version: not checked)`);
  }
  for (const name of plan.insecure) {
    core.warning(
      `TLS certificate verification is off for check "${name}" (insecure-skip-verify): anyone on the path can answer for it`,
      {
        title: `smoke-test: ${name}`,
      },
    );
  }
  const started = Date.now();
  const outcomes = await group(
    `Smoke test: ${plan.checks.length} check${plan.checks.length === 1 ? '' : 's'}`,
    async () => {
      for (const check of plan.checks) {
        // info() scrubs secrets and keeps check names and expect-version one inert line.
        info(
          `[${check.name}] ${check.method} ${displayUrl(check.url)}: expect ${check.expect.status.text}` +
            `${check.expect.version ? `, version ${check.expect.version.expected}` : ''}` +
            `, ${check.consecutiveSuccesses} pass${check.consecutiveSuccesses === 1 ? '' : 'es'} in a row` +
            `${check.failureLimit ? `, at most ${check.failureLimit} failures` : ''}`,
        );
      }
      info(
        `deadline ${formatMs(plan.deadlineMs)}, initial delay ${formatMs(plan.initialDelayMs)}, up to ${plan.concurrency} requests at once`,
      );
      return runChecks(plan.checks, {
        clock: systemClock,
        concurrency: plan.concurrency,
        initialDelayMs: plan.initialDelayMs,
        deadlineMs: plan.deadlineMs,
        send: (check, timeoutMs, signal) =>
          request({
            url: check.url,
            method: check.method,
            headers: check.headers,
            body: check.body,
            timeoutMs,
            ca: check.ca,
            insecureSkipVerify: check.insecureSkipVerify,
            signal,
          }),
        onAttempt: logAttempt,
      });
    },
  );
  const elapsedMs = Date.now() - started;
  const report = buildReport(plan.checks, outcomes);
  const passed = report.every((r) => r.result === 'passed');
  setOutput('passed', String(passed));
  setOutput('report', report);
  setOutput(
    'failed-checks',
    report
      .filter((r) => r.result === 'failed')
      .map((r) => r.name)
      .join(','),
  );
  for (const r of report) {
    if (r.result === 'failed') {
      core.error(redact(`check "${r.name}" failed (${r.method} ${r.url}): ${r.reason ?? r.lastError ?? 'unknown'}`), {
        title: `smoke-test: ${r.name}`,
      });
    }
  }
  await writeSummary((summary) => summaryMarkdown(summary, report, passed, elapsedMs));
  if (!passed) {
    const failed = report.filter((r) => r.result === 'failed').map((r) => `"${r.name}"`);
    throw new ActionFailed(
      redact(`smoke test failed: ${failed.join(', ')} (${report.length} check${report.length === 1 ? '' : 's'})`),
    );
  } else {
    info(`all ${report.length} check${report.length === 1 ? '' : 's'} passed in ${formatMs(elapsedMs)}`);
  }
}
