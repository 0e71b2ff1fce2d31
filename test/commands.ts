/**
 * What the GitHub runner would execute in a step's log, for tests that plant workflow-command
 * payloads in inputs. The runner reads stdout line by line (a line ends at `\n` or `\r`), trims
 * leading white space and runs `::name props::data` (TryParseV2), else a v1 `##[name props]data`
 * anywhere in the line (TryParse) (actions/runner src/Runner.Common/ActionCommand.cs).
 */

/** Workflow-command payloads, each in plain, CR, `%0A`-encoded and NUL forms. Marker: INJ. */
export const PAYLOADS: string[] = (() => {
  const commands = [
    '::set-output name=x::INJ-output',
    '::add-mask::INJ-mask',
    '::stop-commands::INJtoken',
    '::error::INJ-error',
    '##[error]INJ-v1-error',
    '##[set-output name=x;]INJ-v1-output',
  ];
  const out: string[] = [];
  for (const command of commands) {
    out.push(`a\n${command}`, `a\r${command}`, `a%0A${command}`, `a\u0000${command}`, `a\r\n  ${command}`);
  }
  return out;
})();

/** The commands @actions/core itself issues (their data is escaped, so they cannot be forged). */
const TOOLKIT = new Set(['add-mask', 'debug', 'error', 'warning', 'notice', 'group', 'endgroup']);

const unescapeData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');

/**
 * The lines of `log` that the runner would execute and that the action did not issue itself: any
 * `::` command outside the toolkit's own, a toolkit command whose data starts with a payload
 * marker (a forged `::add-mask::INJ...` line), and any v1 `##[` command in a line that is not
 * a v2 command.
 */
export function forgedCommands(log: string, marker = 'INJ'): string[] {
  const forged: string[] = [];
  for (const line of log.split(/\r\n|\r|\n/)) {
    const text = line.trimStart();
    if (text.startsWith('::')) {
      const match = /^::([A-Za-z-]+)(?: [^:]*)?::(.*)$/.exec(text);
      if (!match || !TOOLKIT.has(match[1]!.toLowerCase()) || unescapeData(match[2]!).startsWith(marker)) {
        forged.push(line);
      }
    } else if (/##\[[A-Za-z-]+[\] ]/.test(text)) {
      forged.push(line);
    }
  }
  return forged;
}
