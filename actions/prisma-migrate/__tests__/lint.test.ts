import { lintMigrations, optOutReason, splitStatements } from '../src/lint.js';

const lint = (sql: string) =>
  lintMigrations([{ name: 'm1', file: '/repo/m1/migration.sql', sql }]).map((f) => ({
    rule: f.rule,
    line: f.line,
    allowed: f.allowedBecause,
  }));

describe('destructive-change lint', () => {
  test.each([
    ['DROP TABLE "Note";', 'drop-table'],
    ['DROP TABLE IF EXISTS public."Note", "Other";', 'drop-table'],
    ['ALTER TABLE "Note" DROP COLUMN "title";', 'drop-column'],
    ['ALTER TABLE "Note" ADD COLUMN "a" TEXT,\nDROP COLUMN "b";', 'drop-column'],
    ['DROP SCHEMA "audit" CASCADE;', 'drop-schema'],
    ['TRUNCATE TABLE "Note";', 'truncate'],
    ['TRUNCATE "Note" RESTART IDENTITY;', 'truncate'],
    ['ALTER TABLE "Note" ALTER COLUMN "id" SET DATA TYPE BIGINT;', 'alter-column-type'],
    ['ALTER TABLE "Note" ALTER COLUMN "title" TYPE VARCHAR(10) USING "title"::varchar(10);', 'alter-column-type'],
    ['ALTER TABLE "Note" ALTER COLUMN "title" SET NOT NULL;', 'set-not-null'],
    ['ALTER TABLE "Note" ADD COLUMN "body" TEXT NOT NULL;', 'add-not-null-column'],
    ['ALTER TYPE "Role" RENAME TO "Role_old";', 'drop-enum-value'],
    ['DROP TYPE "Mood";', 'drop-type'],
    ['ALTER TABLE "Note" RENAME TO "Memo";', 'rename'],
    ['ALTER TABLE "Note" RENAME COLUMN "title" TO "heading";', 'rename'],
  ])('%s -> %s', (sql, rule) => {
    expect(lint(sql).map((f) => f.rule)).toEqual([rule]);
  });

  test.each([
    ['CREATE TABLE "Note" ("id" SERIAL NOT NULL, "title" TEXT NOT NULL);'],
    ['ALTER TABLE "Note" ADD COLUMN "body" TEXT NOT NULL DEFAULT \'\';'],
    ['ALTER TABLE "Note" ADD COLUMN "body" TEXT;'],
    ['ALTER TABLE "Note" DROP CONSTRAINT "Note_fkey";'],
    ['ALTER TABLE "Note" ALTER COLUMN "title" DROP NOT NULL;'],
    ['ALTER TABLE "Note" RENAME CONSTRAINT "a" TO "b";'],
    ['ALTER INDEX "a" RENAME TO "b";'],
    ['DROP INDEX "Note_title_idx";'],
    ['DROP TYPE "Role_old";'],
    ['INSERT INTO "Note" (title) VALUES (\'DROP TABLE x; TRUNCATE y\');'],
    ['-- DROP TABLE "Note";\nSELECT 1;'],
    ['CREATE FUNCTION f() RETURNS void AS $$ BEGIN DROP TABLE x; END $$ LANGUAGE plpgsql;'],
  ])('safe: %s', (sql) => {
    expect(lint(sql)).toEqual([]);
  });

  test('NOT NULL on a table created by a pending migration is safe', () => {
    expect(lint('CREATE TABLE "T" ("a" INT);\nALTER TABLE "T" ADD COLUMN "b" INT NOT NULL;')).toEqual([]);
  });

  test('SET NOT NULL after a backfill of the table is safe', () => {
    expect(
      lint(
        'UPDATE "Note" SET "title" = \'\' WHERE "title" IS NULL;\nALTER TABLE "Note" ALTER COLUMN "title" SET NOT NULL;',
      ),
    ).toEqual([]);
  });

  test('findings carry the line of their statement', () => {
    const sql = '-- AlterTable\nALTER TABLE "Note" ADD COLUMN "a" TEXT;\n\n-- DropTable\nDROP TABLE\n  "Old";\n';
    expect(lint(sql)).toEqual([{ rule: 'drop-table', line: 5, allowed: undefined }]);
  });

  test.each([
    [
      '-- prisma-migrate: allow-destructive table emptied in release 41\nDROP TABLE "Old";',
      'table emptied in release 41',
    ],
    ['DROP TABLE "Old"; -- prisma-migrate: allow-destructive - unused since 2024', 'unused since 2024'],
    ['/* prisma-migrate: allow-destructive: archived to S3 */ TRUNCATE "Log";', 'archived to S3'],
  ])('opt-out with a reason: %s', (sql, reason) => {
    expect(lint(sql)[0]!.allowed).toBe(reason);
  });

  test('an opt-out without a reason does not count', () => {
    expect(lint('-- prisma-migrate: allow-destructive\nDROP TABLE "Old";')[0]!.allowed).toBeUndefined();
    expect(optOutReason(['prisma-migrate: allow-destructive'])).toBe('');
  });

  test('a trailing opt-out belongs to its own statement, not the next one', () => {
    expect(lint('DROP TABLE "A"; -- prisma-migrate: allow-destructive gone\nDROP TABLE "B";')).toEqual([
      { rule: 'drop-table', line: 1, allowed: 'gone' },
      { rule: 'drop-table', line: 2, allowed: undefined },
    ]);
  });

  test('Prisma enum value removal is one finding', () => {
    const sql = [
      'BEGIN;',
      'CREATE TYPE "Role_new" AS ENUM (\'USER\');',
      'ALTER TYPE "Role" RENAME TO "Role_old";',
      'ALTER TYPE "Role_new" RENAME TO "Role";',
      'DROP TYPE "Role_old";',
      'COMMIT;',
    ].join('\n');
    expect(lint(sql).map((f) => f.rule)).toEqual(['drop-enum-value']);
  });

  test('statements split around strings, identifiers and comments', () => {
    const statements = splitStatements("SELECT ';';\n/* a;\nb */ SELECT \"x;y\";\nSELECT 'it''s;'");
    expect(statements.map((s) => [s.text, s.line])).toEqual([
      ["SELECT ';'", 1],
      ['SELECT "x;y"', 3],
      ["SELECT 'it''s;'", 4],
    ]);
  });
});
