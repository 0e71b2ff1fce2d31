import { relative } from 'node:path';
import { formatDuration } from '../../../shared/duration.js';
import { escapeHtml, table, writeSummary } from '../../../shared/summary.js';
import type { Finding } from './lint.js';
import type { Preflight } from './migrations.js';

export interface AppliedMigration {
  name: string;
  ms?: number;
}

export interface Report {
  mode: string;
  /** host:port/database as user: never the URL. */
  database: string;
  status: string;
  schema: string;
  preflight?: Preflight;
  after?: Preflight;
  findings: Finding[];
  applied: AppliedMigration[];
  blocked: string[];
  backupPath?: string;
  deployMs?: number;
  resolved?: { name: string; as: string };
}

export async function writeReport(report: Report): Promise<void> {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  await writeSummary((summary) => {
    summary.addHeading(`Prisma migrate: ${report.mode}`, 2);
    summary.addRaw(
      `<p><b>Status:</b> <code>${escapeHtml(report.status)}</code> · <b>Database:</b> ${escapeHtml(report.database)}</p>`,
      true,
    );
    const p = report.preflight;
    if (p) {
      const flagged = new Map<string, number>();
      for (const f of report.findings) flagged.set(f.migration, (flagged.get(f.migration) ?? 0) + 1);
      if (p.fresh) summary.addRaw('<p>Fresh database: no <code>_prisma_migrations</code> table yet.</p>', true);
      summary.addHeading(`Pending migrations (${p.pending.length})`, 3);
      if (p.pending.length) {
        summary.addTable(
          table(
            ['Migration', 'Destructive findings'],
            p.pending.map((m) => [m.name, flagged.get(m.name) ?? 0]),
          ),
        );
      } else summary.addRaw('<p>None.</p>', true);
    }
    const state = report.after ?? p;
    if (state) {
      if (state.failed.length) {
        summary.addHeading('Failed migrations', 3);
        summary.addTable(
          table(
            ['Migration', 'Started', 'Logs'],
            state.failed.map((f) => [f.name, f.startedAt.toISOString(), f.logs.split('\n')[0]]),
          ),
        );
      }
      if (state.modified.length) {
        summary.addHeading('Modified after being applied', 3);
        summary.addTable(
          table(
            ['Migration', 'Applied checksum', 'Local checksum'],
            state.modified.map((m) => [m.name, m.applied, m.local]),
          ),
        );
      }
      if (state.missing.length) {
        summary.addHeading('Applied but missing locally', 3);
        summary.addList(state.missing.map(escapeHtml));
      }
    }
    if (report.mode === 'deploy' && report.deployMs !== undefined) {
      summary.addHeading(`Applied migrations (${report.applied.length})`, 3);
      if (report.applied.length) {
        summary.addTable(
          table(
            ['Migration', 'Duration'],
            report.applied.map((m) => [m.name, m.ms === undefined ? '' : formatDuration(m.ms)]),
          ),
        );
      } else summary.addRaw('<p>None applied by this run.</p>', true);
      summary.addRaw(`<p>prisma migrate deploy took ${formatDuration(report.deployMs)}.</p>`, true);
    }
    if (report.findings.length) {
      summary.addHeading(`Destructive-change lint (${report.findings.length})`, 3);
      summary.addTable(
        table(
          ['Migration', 'Line', 'Rule', 'Finding', 'Allowed'],
          report.findings.map((f) => [
            f.migration,
            `${relative(workspace, f.file)}:${f.line}`,
            f.rule,
            f.message,
            f.allowedBecause ?? '',
          ]),
        ),
      );
    }
    if (report.resolved)
      summary.addRaw(
        `<p>Marked <code>${escapeHtml(report.resolved.name)}</code> as ${escapeHtml(report.resolved.as)}.</p>`,
        true,
      );
    if (report.backupPath) summary.addRaw(`<p><b>Backup:</b> <code>${escapeHtml(report.backupPath)}</code></p>`, true);
    if (report.blocked.length) {
      summary.addHeading('Why this run failed', 3);
      summary.addCodeBlock(report.blocked.join('\n\n'));
    }
  });
}
