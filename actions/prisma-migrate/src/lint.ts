/**
 * Destructive-change lint of pending migration.sql files. Pure: SQL text in, findings out.
 *
 * A statement is exempt when it carries an opt-out comment with a reason, on the line before it
 * or on its own lines:   -- prisma-migrate: allow-destructive <reason>
 */

export type Rule =
  | 'drop-table'
  | 'drop-column'
  | 'drop-schema'
  | 'drop-type'
  | 'truncate'
  | 'alter-column-type'
  | 'set-not-null'
  | 'add-not-null-column'
  | 'drop-enum-value'
  | 'rename';

export interface Finding {
  migration: string;
  /** Path as given (the caller makes it workspace-relative for annotations). */
  file: string;
  line: number;
  rule: Rule;
  message: string;
  statement: string;
  /** The statement's opt-out reason, when it has one. */
  allowedBecause?: string;
}

export interface Statement {
  text: string;
  /** 1-based line of the statement's first non-blank character. */
  line: number;
  /** The comments inside the statement and on the lines right above it. */
  comments: string[];
}

/**
 * Splits SQL into statements on `;`, skipping quoted strings, quoted identifiers, dollar-quoted
 * bodies and comments (which are collected per statement instead).
 */
export function splitStatements(sql: string): Statement[] {
  const statements: Statement[] = [];
  let text = '';
  let line = 1;
  let startLine = 0;
  let comments: string[] = [];
  const flush = () => {
    if (text.trim()) statements.push({ text: text.trim(), line: startLine, comments });
    text = '';
    startLine = 0;
    comments = [];
  };
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const rest = sql.slice(i, i + 2);
    if (rest === '--') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      comments.push(sql.slice(i + 2, stop).trim());
      i = stop;
      continue;
    }
    if (rest === '/*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      const body = sql.slice(i + 2, stop - 2);
      comments.push(body.trim());
      line += body.split('\n').length - 1;
      i = stop;
      continue;
    }
    let chunk = ch;
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) break;
        else j++;
      }
      chunk = sql.slice(i, j + 1);
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        chunk = sql.slice(i, end === -1 ? sql.length : end + tag[0].length);
      }
    }
    if (ch === ';') {
      flush();
      // A comment after the `;` on the same line belongs to the statement it ends.
      const trailing = /^[ \t]*--([^\n]*)/.exec(sql.slice(i + 1));
      if (trailing && statements.length) {
        statements[statements.length - 1]!.comments.push(trailing[1]!.trim());
        i += trailing[0].length;
      }
    } else {
      if (!startLine && chunk.trim()) startLine = line;
      text += chunk;
    }
    line += chunk.split('\n').length - 1;
    i += chunk.length;
  }
  flush();
  return statements;
}

const OPT_OUT = /prisma-migrate:\s*allow-destructive\b\s*[:-]?\s*(.*)$/i;

/** The reason of an opt-out comment; '' when the comment has none (which does not count). */
export function optOutReason(comments: string[]): string | undefined {
  for (const comment of comments) {
    const match = OPT_OUT.exec(comment);
    if (match) return match[1]!.trim();
  }
  return undefined;
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
const QUALIFIED = String.raw`${IDENT}(?:\s*\.\s*${IDENT})?`;
const unquote = (name: string): string => {
  const last = name.split(/\s*\.\s*(?=(?:[^"]*"[^"]*")*[^"]*$)/).pop() ?? name;
  return last.startsWith('"') ? last.slice(1, -1).replace(/""/g, '"') : last.toLowerCase();
};

interface Match {
  rule: Rule;
  message: string;
}

/**
 * The destructive operations of one statement. `created` holds the tables created earlier in
 * the pending migrations (a NOT NULL column on those is safe: they have no rows yet).
 */
export function classify(statement: string, created: Set<string>, backfilled: Set<string>): Match[] {
  const sql = statement.replace(/\s+/g, ' ');
  const found: Match[] = [];
  let m: RegExpExecArray | null;
  m = new RegExp(String.raw`^DROP TABLE (?:IF EXISTS )?(${QUALIFIED}(?:\s*,\s*${QUALIFIED})*)`, 'i').exec(sql);
  if (m) {
    found.push({ rule: 'drop-table', message: `drops table ${m[1]} and all its rows` });
  }
  m = new RegExp(`^DROP SCHEMA (?:IF EXISTS )?(${IDENT})`, 'i').exec(sql);
  if (m) {
    found.push({ rule: 'drop-schema', message: `drops schema ${m[1]} and everything in it` });
  }
  m = new RegExp(`^TRUNCATE (?:TABLE )?(?:ONLY )?(${QUALIFIED})`, 'i').exec(sql);
  if (m) {
    found.push({ rule: 'truncate', message: `deletes every row of ${m[1]}` });
  }
  m = new RegExp(`^DROP TYPE (?:IF EXISTS )?(${QUALIFIED})`, 'i').exec(sql);
  if (m) {
    // Prisma's enum rewrite drops the renamed `<enum>_old` copy: reported as drop-enum-value.
    if (!/_old"?$/.test(m[1]!)) found.push({ rule: 'drop-type', message: `drops type ${m[1]}` });
  }
  m = new RegExp(`^ALTER TYPE (${QUALIFIED}) RENAME TO (${IDENT})`, 'i').exec(sql);
  if (m) {
    if (/_old"?$/.test(m[2]!)) {
      found.push({
        rule: 'drop-enum-value',
        message: `rewrites enum ${m[1]} to remove values: rows holding a removed value make it fail`,
      });
    } else if (!/_new"?$/.test(m[1]!)) {
      // (Prisma's enum rewrite renames `<enum>_new` into place: part of the same change.)
      found.push({ rule: 'rename', message: `renames type ${m[1]} to ${m[2]}` });
    }
  }
  const table = new RegExp(`^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?(${QUALIFIED}) (.*)$`, 'i').exec(sql);
  if (table) {
    const [, name, actions] = table as unknown as [string, string, string];
    const isNew = created.has(unquote(name));
    m = new RegExp(`^RENAME TO (${IDENT})`, 'i').exec(actions);
    if (m) {
      found.push({ rule: 'rename', message: `renames table ${name} to ${m[1]}: code using the old name breaks` });
    }
    m = new RegExp(`^RENAME (?:COLUMN )?(${IDENT}) TO (${IDENT})`, 'i').exec(actions);
    if (m && !/^RENAME (TO|CONSTRAINT)\b/i.test(actions)) {
      found.push({
        rule: 'rename',
        message: `renames column ${m[1]} of ${name} to ${m[2]}: code using the old name breaks`,
      });
    }
    for (const action of splitActions(actions)) {
      m = new RegExp(`^DROP (?:COLUMN )?(?:IF EXISTS )?(${IDENT})`, 'i').exec(action);
      if (m) {
        if (!/^DROP (CONSTRAINT|DEFAULT|NOT NULL|IDENTITY|EXPRESSION)\b/i.test(action)) {
          found.push({ rule: 'drop-column', message: `drops column ${m[1]} of ${name} and its data` });
        }
      }
      m = new RegExp(`^ALTER (?:COLUMN )?(${IDENT}) (?:SET DATA )?TYPE (.+?)(?: USING .*)?$`, 'i').exec(action);
      if (m) {
        found.push({
          rule: 'alter-column-type',
          message: `changes the type of ${name}.${m[1]} to ${m[2]}: rewrites the table, may fail or lose precision`,
        });
      }
      m = new RegExp(`^ALTER (?:COLUMN )?(${IDENT}) SET NOT NULL`, 'i').exec(action);
      if (!isNew && m) {
        if (!backfilled.has(`${unquote(name)}.${unquote(m[1]!)}`) && !backfilled.has(unquote(name))) {
          found.push({
            rule: 'set-not-null',
            message: `makes ${name}.${m[1]} NOT NULL without a default or backfill: fails if a row holds NULL`,
          });
        }
      }
      m = new RegExp(`^ADD (?:COLUMN )?(?:IF NOT EXISTS )?(${IDENT}) (.*)$`, 'i').exec(action);
      if (!isNew && m) {
        const definition = m[2]!;
        if (
          /\bNOT NULL\b/i.test(definition) &&
          !/\bDEFAULT\b|\bGENERATED\b/i.test(definition) &&
          !/^(CONSTRAINT)\b/i.test(m[1]!)
        ) {
          found.push({
            rule: 'add-not-null-column',
            message: `adds NOT NULL column ${m[1]} to ${name} without a default: fails if the table has rows`,
          });
        }
      }
    }
  }
  return found;
}

/** `ADD COLUMN a int, DROP COLUMN b` -> the actions (commas inside parentheses kept). */
function splitActions(actions: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of actions) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** Lints the pending migrations in order (tables created by an earlier one count as new). */
export function lintMigrations(migrations: { name: string; file: string; sql: string }[]): Finding[] {
  const created = new Set<string>();
  const findings: Finding[] = [];
  for (const migration of migrations) {
    const statements = splitStatements(migration.sql);
    const backfilled = new Set<string>();
    for (const s of statements) {
      const sql = s.text.replace(/\s+/g, ' ');
      const update = new RegExp(`^UPDATE (?:ONLY )?(${QUALIFIED}) SET`, 'i').exec(sql);
      if (update) backfilled.add(unquote(update[1]!));
      const defaults = new RegExp(
        `^ALTER TABLE (?:ONLY )?(${QUALIFIED}) ALTER (?:COLUMN )?(${IDENT}) SET DEFAULT`,
        'i',
      ).exec(sql);
      if (defaults) backfilled.add(`${unquote(defaults[1]!)}.${unquote(defaults[2]!)}`);
    }
    for (const statement of statements) {
      const createTable = new RegExp(`^CREATE TABLE (?:IF NOT EXISTS )?(${QUALIFIED})`, 'i').exec(statement.text);
      if (createTable) created.add(unquote(createTable[1]!));
      const reason = optOutReason(statement.comments);
      for (const match of classify(statement.text, created, backfilled)) {
        findings.push({
          migration: migration.name,
          file: migration.file,
          line: statement.line,
          ...match,
          statement: statement.text.replace(/\s+/g, ' ').slice(0, 200),
          ...(reason ? { allowedBecause: reason } : {}),
        });
      }
    }
  }
  return findings;
}
