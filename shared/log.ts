import * as core from '@actions/core';
import { formatDuration } from './duration.js';
import { redact } from './secrets.js';

/**
 * The one safe path to the log. The runner executes a stdout line as a workflow command when,
 * after trimming leading white space, it starts with `::` (`::add-mask::`, `::stop-commands::`,
 * `::set-output`), and a v1 command `##[name]` anywhere in a line (actions/runner ActionCommand.cs,
 * TryParseV2 / TryParse); .NET's ReadLine ends a line at `\n` and at `\r`. So user-derived text is
 * made one inert line: control characters (line breaks, NUL, U+0085, U+2028/9) are shown
 * percent-encoded the way the runner escapes command data (`%0A`, `%0D`), a leading `::` becomes
 * `%3A%3A` and every `##[` becomes `%23%23[`. `%` itself is left alone: outside a command's data
 * `%0A` is plain text (and every command the toolkit issues escapes `%` as `%25`).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/g;

export function safeLine(text: string): string {
  return text
    .replace(CONTROL_CHARACTERS, (c) => encodeURIComponent(c))
    .replaceAll('##[', '%23%23[')
    .replace(/^(\s*)::/, '$1%3A%3A');
}

/** One log line with user-derived text: secrets scrubbed, then made inert (see safeLine). */
export function info(text: string): void {
  core.info(safeLine(redact(text)));
}

/** Deliberately multi-line text (a report, a decision): each line scrubbed and made inert. */
export function infoLines(text: string): void {
  for (const line of redact(text).split(/\r\n|\r|\n/)) core.info(safeLine(line));
}

/** Runs one phase of the action in a collapsible log group and says how long it took. */
export async function group<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  // core.group escapes its title as command data (`::group::` + escaped name).
  return core.group(redact(name), async () => {
    try {
      return await fn();
    } finally {
      info(`${name}: ${formatDuration(Date.now() - started)}`);
    }
  });
}

/** Raw payloads only when the run is in debug mode, scrubbed of known secrets. */
export function debugPayload(label: string, payload: unknown): void {
  if (!core.isDebug()) return;
  core.debug(`${label}: ${redact(typeof payload === 'string' ? payload : JSON.stringify(payload, null, 2))}`);
}
