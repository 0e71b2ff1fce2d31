import { formatDuration } from '../../../shared/duration.js';
import { displayUrl } from '../../../shared/secrets.js';
import { cell, type Summary } from '../../../shared/summary.js';
import type { Check, CheckOutcome } from './engine.js';

/** Nearest-rank percentile of a list of latencies (undefined when there is none). */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface CheckReport {
  name: string;
  method: string;
  url: string;
  result: CheckOutcome['result'];
  attempts: number;
  failures: number;
  /** Attempts answered by another version than expected. */
  waits: number;
  lastStatus: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  lastError: string | null;
  reason: string | null;
  version: string | null;
  certificateDaysLeft: number | null;
  durationMs: number | null;
}

const round = (n: number | undefined) => (n === undefined ? null : Math.round(n));

export function buildReport(checks: Check[], outcomes: CheckOutcome[]): CheckReport[] {
  return outcomes.map((o, i) => ({
    name: o.name,
    method: checks[i]!.method,
    url: displayUrl(checks[i]!.url),
    result: o.result,
    attempts: o.attempts,
    failures: o.failures,
    waits: o.waits,
    lastStatus: o.lastStatus ?? null,
    p50Ms: round(percentile(o.latencies, 50)),
    p95Ms: round(percentile(o.latencies, 95)),
    lastError: o.lastError ?? null,
    reason: o.reason ?? null,
    version: o.version ?? null,
    certificateDaysLeft: o.certificateDaysLeft ?? null,
    durationMs: o.endedAtMs ?? null,
  }));
}

const ICON = { passed: '✅ passed', failed: '❌ failed', stopped: '⏹️ stopped', pending: '… pending' } as const;

export function summaryMarkdown(summary: Summary, report: CheckReport[], passed: boolean, elapsedMs: number): void {
  const failed = report.filter((r) => r.result === 'failed').length;
  summary
    .addHeading('Smoke test', 2)
    .addRaw(
      passed
        ? `✅ **${report.length} check${report.length === 1 ? '' : 's'} passed** in ${formatDuration(elapsedMs)}`
        : `❌ **${failed} of ${report.length} check${report.length === 1 ? '' : 's'} failed** after ${formatDuration(elapsedMs)}`,
      true,
    )
    .addBreak();
  // Markdown, not summary.addTable: cells are escaped by `cell` and scrubbed by writeSummary.
  const header = ['Check', 'Request', 'Result', 'Attempts', 'Last status', 'p50', 'p95', 'Version', 'Details'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of report) {
    const ms = (v: number | null) => (v === null ? '' : `${v} ms`);
    const details =
      r.result === 'passed'
        ? r.waits
          ? `waited through ${r.waits} response${r.waits === 1 ? '' : 's'} of another version`
          : ''
        : (r.reason ?? r.lastError ?? '');
    const row = [
      r.name,
      `${r.method} ${r.url}`,
      ICON[r.result],
      `${r.attempts}${r.failures ? ` (${r.failures} failed)` : ''}`,
      r.lastStatus ?? '',
      ms(r.p50Ms),
      ms(r.p95Ms),
      r.version ?? '',
      details.length > 300 ? `${details.slice(0, 297)}...` : details,
    ];
    lines.push(`| ${row.map((v) => cell(v)).join(' | ')} |`);
  }
  summary.addRaw(`\n\n${lines.join('\n')}\n`, true);
}
