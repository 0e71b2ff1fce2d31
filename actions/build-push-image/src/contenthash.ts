/**
 * The content-addressed tag of a build: a hash of every input that decides the image (the context's
 * files minus .dockerignore, the Dockerfile, build args, target, platforms). When a tag
 * `ch-<hash>` already exists in the registry, the image is reused instead of rebuilt.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Bumped whenever the hashing itself changes, so old tags are never mistaken for new ones. */
const SCHEME = 'build-push-image/content-hash/v1';

interface Rule {
  negate: boolean;
  regex: RegExp;
  pattern: string;
}

/** Converts one .dockerignore pattern (Go filepath.Match plus `**`) into a regular expression. */
export function patternToRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // `**/` matches any number of directories, `**` anything.
        if (pattern[i + 2] === '/') {
          source += '(?:.*/)?';
          i += 2;
        } else {
          source += '.*';
          i += 1;
        }
      } else source += '[^/]*';
    } else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) source += '\\[';
      else {
        source += `[${pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) source += `\\${pattern[++i]}`;
    else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  // A pattern matching a directory excludes everything below it.
  return new RegExp(`^${source}(?:/.*)?$`);
}

export function parseDockerignore(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const line of text.split(/\r?\n/)) {
    let pattern = line.trim();
    if (!pattern || pattern.startsWith('#')) continue;
    const negate = pattern.startsWith('!');
    if (negate) pattern = pattern.slice(1).trim();
    pattern = pattern
      .replace(/^\/+/, '')
      .replace(/\/+$/, '')
      .replace(/(^|\/)\.\//g, '$1');
    if (!pattern) continue;
    rules.push({ negate, regex: patternToRegex(pattern), pattern });
  }
  return rules;
}

/** Last matching rule wins, as in Docker. */
export function isIgnored(path: string, rules: Rule[]): boolean {
  let ignored = false;
  for (const rule of rules) if (rule.regex.test(path)) ignored = !rule.negate;
  return ignored;
}

/** Whether a negated pattern could match something inside directory `dir`. */
const mayReach = (pattern: string, dir: string): boolean =>
  /^[*?[]/.test(pattern) ||
  pattern.startsWith(`${dir}/`) ||
  patternToRegex(pattern.split('/').slice(0, dir.split('/').length).join('/')).test(dir);

/** The context's files that reach the build, relative with `/`, sorted. */
export function contextFiles(context: string): string[] {
  const ignoreFile = join(context, '.dockerignore');
  const rules = existsSync(ignoreFile) ? parseDockerignore(readFileSync(ignoreFile, 'utf8')) : [];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const rel = relative(context, full).split(sep).join('/');
      const isDir = entry.isDirectory();
      // A negation can re-include something below an ignored directory: prune only when none could.
      if (isIgnored(rel, rules) && (!isDir || !rules.some((r) => r.negate && mayReach(r.pattern, rel)))) continue;
      if (isDir) walk(full);
      else files.push(rel);
    }
  };
  walk(context);
  return files.sort();
}

export interface HashInput {
  context: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  target?: string;
  platforms?: string[];
}

/** 64 hex characters; the tag uses the first 16. */
export function contentHash(input: HashInput): string {
  const hash = createHash('sha256');
  const field = (name: string, value: string | Buffer) => {
    hash.update(`${name}\0${value.length}\0`);
    hash.update(value);
  };
  field('scheme', SCHEME);
  field('dockerfile', readFileSync(input.dockerfile));
  for (const key of Object.keys(input.buildArgs).sort()) field(`arg:${key}`, input.buildArgs[key]!);
  field('target', input.target ?? '');
  field('platforms', [...(input.platforms ?? [])].sort().join(','));
  for (const rel of contextFiles(input.context)) {
    const full = join(input.context, rel);
    const stat = lstatSync(full);
    if (stat.isSymbolicLink()) field(`link:${rel}`, readlinkSync(full));
    else field(`file:${rel}:${stat.mode & 0o111 ? 'x' : '-'}`, readFileSync(full));
  }
  return hash.digest('hex');
}

export const contentTag = (hash: string, prefix = ''): string => `${prefix}ch-${hash.slice(0, 16)}`;
