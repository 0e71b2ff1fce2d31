import { awsClientConfig } from '../../../shared/aws.js';
import { ConfigurationError, errorMessage } from '../../../shared/errors.js';
import { registerSecret, registerSecretUrl } from '../../../shared/secrets.js';
import { databaseUrl } from './inputs.js';

/**
 * The database URL stored in a Secrets Manager secret: the whole SecretString, one key of a JSON
 * secret, or an RDS-style JSON secret ({ username, password, host, port, dbname }). Every value is
 * masked before it is looked at.
 */
export function urlFromSecretString(secretString: string, secretId: string, key?: string): URL {
  registerSecret(secretString);
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === 'object') {
    // Credentials and connection strings only: masking the host or user name would blind the log.
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value === 'string' && (/pass|secret|token|url|uri|dsn|conn/i.test(name) || value.includes('://'))) {
        registerSecretUrl(value);
      }
    }
  }
  const record = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
  if (key) {
    const value = record[key];
    if (typeof value !== 'string') {
      throw new ConfigurationError(
        `database-secret-key: secret ${secretId} has no string key "${key}"; expected one of ${Object.keys(record).join(', ') || '(the secret is not a JSON object)'}`,
      );
    }
    return databaseUrl(value, `database-secret-key (${key} of ${secretId})`);
  }
  if (typeof record.host === 'string' && typeof record.username === 'string' && typeof record.password === 'string') {
    const url = new URL('postgresql://localhost');
    url.hostname = record.host;
    if (record.port) url.port = String(record.port);
    url.username = record.username;
    url.password = record.password;
    url.pathname = `/${String(record.dbname ?? record.database ?? 'postgres')}`;
    registerSecretUrl(url.toString());
    return url;
  }
  return databaseUrl(secretString.trim(), `database-secret-id (${secretId})`);
}

export async function urlFromSecretsManager(
  secretId: string,
  key: string | undefined,
  region: string | undefined,
): Promise<URL> {
  const config = awsClientConfig(region);
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient(config);
  let secretString: string | undefined;
  try {
    const response = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    secretString = response.SecretString;
  } catch (error) {
    throw new Error(`reading secret ${secretId} from Secrets Manager failed: ${errorMessage(error)}`);
  } finally {
    client.destroy();
  }
  if (!secretString) throw new Error(`secret ${secretId} has no SecretString (binary secrets are not supported)`);
  return urlFromSecretString(secretString, secretId, key);
}
