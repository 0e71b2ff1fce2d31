/**
 * The runner protocol between a step and the runner: file commands (GITHUB_OUTPUT, _ENV, _STATE,
 * _PATH) and workflow commands on stdout (`::add-mask::`, `::group::`, `::error file=..::msg`).
 * Shared by the local workflow runner and test/harness.ts.
 */

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  file?: string;
  line?: number;
  title?: string;
}

/** Parses `name=value` lines and `name<<DELIMITER ... DELIMITER` blocks (GITHUB_OUTPUT, _STATE, _ENV). */
export function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i]!.replace(/\r$/, '') !== delimiter; i++) value.push(lines[i]!);
      result[name!] = value.join('\n');
    } else if (line.includes('=')) {
      result[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return result;
}

const unescapeData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string) => unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');

/** One `::command key=value,...::data` line, or undefined for an ordinary log line. */
export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  data: string;
}

export function parseWorkflowCommand(line: string): WorkflowCommand | undefined {
  const match = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/.exec(line.replace(/\r$/, ''));
  if (!match) return undefined;
  const properties: Record<string, string> = {};
  for (const property of (match[2] ?? '').split(',').filter(Boolean)) {
    const [key, ...rest] = property.split('=');
    properties[key!.trim()] = unescapeProperty(rest.join('='));
  }
  return { command: match[1]!, properties, data: unescapeData(match[3]!) };
}

export function toAnnotation(command: WorkflowCommand): Annotation | undefined {
  if (!['error', 'warning', 'notice'].includes(command.command)) return undefined;
  const annotation: Annotation = { level: command.command as Annotation['level'], message: command.data };
  if (command.properties.file) annotation.file = command.properties.file;
  if (command.properties.line) annotation.line = Number(command.properties.line);
  if (command.properties.title) annotation.title = command.properties.title;
  return annotation;
}

/** `::error file=a.sql,line=3,title=T::message` workflow commands in a log. */
export function parseAnnotations(log: string): Annotation[] {
  const annotations: Annotation[] = [];
  for (const line of log.split('\n')) {
    const command = parseWorkflowCommand(line);
    const annotation = command && toAnnotation(command);
    if (annotation) annotations.push(annotation);
  }
  return annotations;
}

/** The runner's masker: every registered value (and its multi-line parts) is replaced by `***`. */
export class Masker {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (!value) return;
    const trimmed = value.trim();
    if (trimmed.length < 1) return;
    this.values.add(trimmed);
    for (const part of trimmed.split(/\r?\n/)) if (part.trim().length > 1) this.values.add(part.trim());
  }

  mask(text: string): string {
    if (this.values.size === 0 || !text) return text;
    let result = text;
    // Longest first, so a value containing another is replaced whole.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) result = result.split(value).join('***');
    return result;
  }
}

/** Input name -> environment variable, as the runner does it: upper case, spaces to `_`, hyphens kept. */
export const inputVariable = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
