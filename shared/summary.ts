import * as core from '@actions/core';
import { errorMessage } from './errors.js';
import { redact } from './secrets.js';

export type Summary = typeof core.summary;
export type Cell = string | { data: string; header?: boolean };

/**
 * Writes the job summary. Building or writing it never fails the job: a problem becomes a
 * warning. Every string cell is scrubbed of known secrets.
 */
export async function writeSummary(build: (summary: Summary) => unknown): Promise<void> {
  try {
    if (!process.env.GITHUB_STEP_SUMMARY) return;
    await build(core.summary);
    core.summary.stringify(); // fail here, not inside write, on bad content
    const text = redact(core.summary.stringify());
    core.summary.emptyBuffer();
    await core.summary.addRaw(text).write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorMessage(error)}`);
  } finally {
    core.summary.emptyBuffer();
  }
}

/** A markdown-safe table cell: pipes and newlines would break the row. */
export const cell = (value: unknown): string =>
  escapeHtml(String(value ?? ''))
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Header row plus body rows, ready for `summary.addTable`. */
export function table(headers: string[], rows: unknown[][]): Cell[][] {
  return [headers.map((data) => ({ data, header: true })), ...rows.map((row) => row.map(cell))];
}

/** A link to this workflow run, when running on GitHub (or the local runner). */
export function runUrl(): string | undefined {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = process.env;
  if (!GITHUB_SERVER_URL || !GITHUB_REPOSITORY || !GITHUB_RUN_ID) return undefined;
  return `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`;
}
