import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  awsRegion,
  boolean,
  choice,
  controlProblem,
  duration,
  type Field,
  fail,
  parseInputs,
  type ReadInput,
  requireThat,
  string,
} from '../../../shared/inputs.js';
import { registerSecretUrl } from '../../../shared/secrets.js';

export const MODES = ['status', 'plan', 'deploy', 'resolve'] as const;
export type Mode = (typeof MODES)[number];

const POSTGRES_PROTOCOLS = ['postgresql:', 'postgres:'];

/**
 * A PostgreSQL connection string. Masked (whole, and its password) the moment it is read, so no
 * later line can print it; a problem with it is described without ever showing it.
 */
export function databaseUrl(raw: string, name: string): URL {
  registerSecretUrl(raw);
  const expected = 'postgresql://user:password@host:5432/database';
  const control = controlProblem(raw);
  if (control) fail(name, `${control} (value hidden)`, `${expected} on one line`);
  // An unencoded @ in the password would make a different, valid-looking URL (and show part of it).
  if ((raw.match(/@/g) ?? []).length > 1) {
    fail(name, 'is not a valid URL (value hidden): percent-encode @ / : # ? in the user name and password', expected);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(name, 'is not a valid URL (value hidden)', expected);
  }
  if (!POSTGRES_PROTOCOLS.includes(url.protocol)) {
    fail(name, `protocol ${url.protocol} is not supported`, expected);
  }
  if (!url.hostname) fail(name, 'has no host', expected);
  if (url.port && !/^\d+$/.test(url.port)) fail(name, 'has an invalid port', expected);
  if (!url.pathname.replace(/^\//, '')) fail(name, 'names no database', expected);
  return url;
}

const optionalUrl: Field<URL | undefined> = (raw, name) => (raw === '' ? undefined : databaseUrl(raw, name));

/**
 * A Secrets Manager SecretId: a name (1-512 of letters, digits and / _ + = . @ -) or the secret's
 * ARN (Secrets Manager API reference, CreateSecret Name and DescribeSecret SecretId).
 */
const SECRET_ID =
  /^([A-Za-z0-9/_+=.@-]{1,512}|arn:aws(-[a-z]+)*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512})$/;

/** A Prisma migration folder name as `prisma migrate resolve` takes it. */
const MIGRATION_NAME = /^[A-Za-z0-9_.-]+$/;

export function getInputs(read?: ReadInput) {
  const raw = parseInputs(
    {
      mode: choice(MODES, { default: 'status' }),
      databaseUrl: optionalUrl,
      databaseSecretId: string({
        pattern: SECRET_ID,
        expected: 'a Secrets Manager secret name (letters, digits, / _ + = . @ -) or ARN',
      }),
      databaseSecretKey: string({ maxLength: 1024, expected: 'a JSON key of the secret' }),
      awsRegion: awsRegion(),
      workingDirectory: string({ default: '.' }),
      schema: string({ default: 'prisma/schema.prisma' }),
      migrationsDir: string(),
      prismaCommand: string(),
      allowDestructive: boolean({ default: false }),
      backup: boolean({ default: false }),
      backupDir: string(),
      lockTimeout: duration({ default: 300_000, min: 0, max: 3_600_000 }),
      connectTimeout: duration({ default: 10_000, min: 1000, max: 300_000 }),
      migration: string({ pattern: MIGRATION_NAME, expected: 'a migration folder name, e.g. 20250101000000_init' }),
      resolveAs: choice(['rolled-back', 'applied'] as const),
    },
    read,
  );

  requireThat(
    !(raw.databaseUrl && raw.databaseSecretId),
    'database-url',
    'is given together with database-secret-id',
    'one source of the database URL',
  );
  requireThat(
    Boolean(raw.databaseUrl || raw.databaseSecretId),
    'database-url',
    'is not given (nor database-secret-id)',
    'a PostgreSQL URL, or the id of a Secrets Manager secret holding one',
  );
  requireThat(
    !raw.databaseSecretKey || Boolean(raw.databaseSecretId),
    'database-secret-key',
    'is given without database-secret-id',
    'a JSON key inside the secret named by database-secret-id',
  );
  if (raw.mode === 'resolve') {
    requireThat(
      Boolean(raw.migration),
      'migration',
      'is required in resolve mode',
      'the name of the migration to mark (e.g. 20250101000000_init)',
    );
    requireThat(
      Boolean(raw.resolveAs),
      'resolve-as',
      'is required in resolve mode',
      'rolled-back (the failed migration was undone) or applied (it was completed by hand)',
    );
  }

  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const workingDirectory = resolve(workspace, raw.workingDirectory);
  requireThat(
    isDirectory(workingDirectory),
    'working-directory',
    `${raw.workingDirectory} is not a directory`,
    'an existing folder',
  );
  const schema = resolve(workingDirectory, raw.schema);
  requireThat(
    isFile(schema),
    'schema',
    `${raw.schema} does not exist in ${raw.workingDirectory}`,
    'the Prisma schema file',
  );
  const migrationsDir = raw.migrationsDir
    ? resolve(workingDirectory, raw.migrationsDir)
    : join(dirname(schema), 'migrations');
  requireThat(
    isDirectory(migrationsDir),
    'migrations-dir',
    `${raw.migrationsDir || 'the migrations folder beside the schema'} does not exist (${migrationsDir})`,
    'the folder holding the migration folders (default: migrations beside the schema)',
  );
  const prismaCommand = raw.prismaCommand ? raw.prismaCommand.trim().split(/\s+/) : undefined;
  const backupDir = raw.backupDir
    ? isAbsolute(raw.backupDir)
      ? raw.backupDir
      : resolve(workspace, raw.backupDir)
    : process.env.RUNNER_TEMP || resolve(workspace, '.prisma-backups');

  return { ...raw, workspace, workingDirectory, schema, migrationsDir, prismaCommand, backupDir };
}

export type Inputs = ReturnType<typeof getInputs>;

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}
