/**
 * The run's report: one Markdown file with the jobs and steps (results, durations), the
 * annotations, and every step summary (GITHUB_STEP_SUMMARY) in job order; plus the same as JSON.
 * Everything passes through the masker.
 */
import { writeFileSync } from 'node:fs';
import type { Json } from './expressions.js';
import type { Masker } from './masker.js';
import type { JobRecord, RunResult } from './types.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function writeReport(result: RunResult, masker: Masker, github: Record<string, Json>): void {
  const jobs = [...result.jobs].sort(
    (a, b) => (a.startedAt ?? Number.MAX_SAFE_INTEGER) - (b.startedAt ?? Number.MAX_SAFE_INTEGER),
  );
  const lines: string[] = [
    `# Workflow run ${result.runId}: ${result.conclusion}`,
    '',
    `- workflow: \`${String(github.workflow)}\`, event \`${String(github.event_name)}\` on \`${String(github.ref)}\` at \`${String(github.sha).slice(0, 12)}\``,
    `- duration: ${secs(result.durationMs)}`,
    `- job logs: \`${result.runDir}/jobs/\``,
  ];
  if (result.error) lines.push('', '```', result.error, '```');
  lines.push('', '## Jobs', '', '| job | result | duration | notes |', '|---|---|---|---|');
  for (const job of jobs)
    lines.push(`| ${cell(job.key)} | ${job.result} | ${secs(job.durationMs)} | ${cell(job.notes.join('; '))} |`);
  for (const job of jobs.filter((j) => j.steps.length || j.summaries.length || j.annotations.length)) {
    lines.push('', `## ${job.key}: ${job.result} (${secs(job.durationMs)})`, '');
    if (job.steps.length) {
      lines.push('| step | outcome | duration |', '|---|---|---|');
      for (const step of job.steps) {
        const detail = step.error ? ` (${step.error})` : step.exitCode ? ` (exit ${step.exitCode})` : '';
        lines.push(`| ${cell(step.name)} | ${step.outcome}${cell(detail)} | ${secs(step.durationMs)} |`);
      }
    }
    if (job.annotations.length) {
      lines.push('', '**Annotations**', '');
      for (const a of job.annotations) {
        lines.push(
          `- ${a.level}: ${a.title ? `${a.title}: ` : ''}${a.message}${a.file ? ` (${a.file}${a.line ? `:${a.line}` : ''})` : ''}`,
        );
      }
    }
    if (Object.keys(job.outputs).length) {
      lines.push('', '**Outputs**', '');
      for (const [k, v] of Object.entries(job.outputs)) lines.push(`- \`${k}\`: \`${cell(v)}\``);
    }
    for (const summary of job.summaries) lines.push('', summary.trim());
  }
  writeFileSync(result.reportPath, `${masker.mask(lines.join('\n'))}\n`);
  writeFileSync(result.jsonPath, masker.mask(JSON.stringify(summaryJson(result, jobs), null, 2)));
}

function summaryJson(result: RunResult, jobs: JobRecord[]) {
  return {
    runId: result.runId,
    conclusion: result.conclusion,
    durationMs: result.durationMs,
    outputs: result.outputs,
    error: result.error,
    jobs: jobs.map(({ summaries, ...job }) => ({ ...job, summaries: summaries.length })),
  };
}
