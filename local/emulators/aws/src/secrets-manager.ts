/**
 * Secrets Manager (`secretsmanager.*`): secrets with versions and staging labels. A new value
 * becomes AWSCURRENT, the version that held AWSCURRENT becomes AWSPREVIOUS, and the previous
 * AWSPREVIOUS version loses its label (https://docs.aws.amazon.com/secretsmanager/latest/userguide/whats-in-a-secret.html#term_version).
 * Error bodies carry `Message` (the model's member name), see server.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from './errors.js';

// biome-ignore lint/suspicious/noExplicitAny: wire-format documents are open-ended JSON
type Json = Record<string, any>;

interface Version {
  id: string;
  value: string;
  binary?: string;
  stages: string[];
  createdAt: number;
}

export interface Secret {
  arn: string;
  name: string;
  description?: string;
  createdAt: number;
  lastChangedAt: number;
  versions: Map<string, Version>;
  tags: { Key: string; Value: string }[];
}

const notFound = () => new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
const invalid = (message: string) => new AwsError('InvalidParameterException', message);

export class SecretsManager {
  private secrets = new Map<string, Secret>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  clear(): void {
    this.secrets.clear();
  }

  /** Creates the secret or stores a new AWSCURRENT version of it (the control endpoint and the API). */
  put(
    name: string,
    value: string,
    token?: string,
    binary?: string,
    stages = ['AWSCURRENT'],
  ): { secret: Secret; version: Version } {
    let secret = this.secrets.get(name);
    if (!secret) {
      const suffix = randomBytes(3).toString('hex');
      const arn = `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-${suffix}`;
      secret = { arn, name, createdAt: Date.now(), lastChangedAt: Date.now(), versions: new Map(), tags: [] };
      this.secrets.set(name, secret);
    }
    const existing = token ? secret.versions.get(token) : undefined;
    if (existing) {
      // ClientRequestToken makes the call idempotent; the same token with another value is refused.
      if (existing.value !== value || existing.binary !== binary) {
        throw new AwsError(
          'ResourceExistsException',
          `You can't modify an existing version, you can only create a new version.`,
        );
      }
      return { secret, version: existing };
    }
    for (const stage of stages) {
      for (const other of secret.versions.values()) {
        if (!other.stages.includes(stage)) continue;
        other.stages = other.stages.filter((s) => s !== stage);
        if (stage === 'AWSCURRENT') {
          for (const v of secret.versions.values()) v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS');
          other.stages.push('AWSPREVIOUS');
        }
      }
    }
    const version: Version = { id: token ?? randomUUID(), value, binary, stages: [...stages], createdAt: Date.now() };
    secret.versions.set(version.id, version);
    secret.lastChangedAt = Date.now();
    return { secret, version };
  }

  /** By name, full ARN or partial ARN (without the random 6-character suffix), as Secrets Manager does. */
  find(id: string): Secret | undefined {
    return this.secrets.get(id) ?? [...this.secrets.values()].find((s) => this.arnPrefix(s, id) !== undefined);
  }

  /** The part of `id` that names `secret` by full or partial ARN (the rest may be `:json-key:stage:version`). */
  arnPrefix(secret: Secret, id: string): string | undefined {
    const partial = secret.arn.slice(0, secret.arn.lastIndexOf('-'));
    return [secret.arn, partial].find((arn) => id === arn || id.startsWith(`${arn}:`));
  }

  /**
   * `valueFrom` of an ECS task definition secret: `arn:...:secret:name[-suffix][:json-key[:version-stage[:version-id]]]`
   * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html), or a name.
   */
  resolve(valueFrom: string): string | undefined {
    const secret = this.find(valueFrom);
    if (!secret) return undefined;
    const [, jsonKey, stage, versionId] = valueFrom
      .slice(this.arnPrefix(secret, valueFrom)?.length ?? valueFrom.length)
      .split(':');
    const version = this.version(secret, versionId || undefined, stage || undefined, false);
    if (!version) return undefined;
    if (!jsonKey) return version.value;
    try {
      const value = JSON.parse(version.value)[jsonKey];
      return value === undefined ? undefined : String(value);
    } catch {
      return undefined;
    }
  }

  private version(secret: Secret, versionId?: string, stage?: string, strict = true): Version | undefined {
    const wanted = stage ?? (versionId ? undefined : 'AWSCURRENT');
    const version = versionId
      ? secret.versions.get(versionId)
      : [...secret.versions.values()].find((v) => v.stages.includes(wanted!));
    if (version && wanted && !version.stages.includes(wanted)) {
      if (!strict) return undefined;
      throw invalid(`You provided a VersionStage that is not associated to the provided VersionId.`);
    }
    if (!version && strict) {
      throw new AwsError(
        'ResourceNotFoundException',
        versionId
          ? `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`
          : `Secrets Manager can't find the specified secret value for staging label: ${wanted}`,
      );
    }
    return version;
  }

  handle(operation: string, input: Json): Json {
    switch (operation) {
      case 'GetSecretValue': {
        const secret = this.find(input.SecretId);
        if (!secret) throw notFound();
        const version = this.version(secret, input.VersionId, input.VersionStage)!;
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: version.id,
          ...(version.binary === undefined ? { SecretString: version.value } : { SecretBinary: version.binary }),
          VersionStages: version.stages,
          CreatedDate: version.createdAt / 1000,
        };
      }
      case 'CreateSecret': {
        if (this.secrets.has(input.Name)) {
          throw new AwsError(
            'ResourceExistsException',
            `The operation failed because the secret ${input.Name} already exists.`,
          );
        }
        if (input.SecretString === undefined && input.SecretBinary === undefined) {
          const arn = `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${input.Name}-${randomBytes(3).toString('hex')}`;
          this.secrets.set(input.Name, {
            arn,
            name: input.Name,
            createdAt: Date.now(),
            lastChangedAt: Date.now(),
            versions: new Map(),
            tags: [],
          });
        } else {
          this.put(input.Name, input.SecretString ?? '', input.ClientRequestToken, input.SecretBinary);
        }
        const secret = this.secrets.get(input.Name)!;
        secret.description = input.Description;
        secret.tags = input.Tags ?? [];
        const current = [...secret.versions.values()].find((v) => v.stages.includes('AWSCURRENT'));
        return {
          ARN: secret.arn,
          Name: secret.name,
          ...(current ? { VersionId: current.id } : {}),
          ReplicationStatus: [],
        };
      }
      case 'PutSecretValue': {
        const secret = this.find(input.SecretId);
        if (!secret) throw notFound();
        if (input.SecretString === undefined && input.SecretBinary === undefined) {
          throw invalid('You must provide either SecretString or SecretBinary.');
        }
        const { version } = this.put(
          secret.name,
          input.SecretString ?? '',
          input.ClientRequestToken,
          input.SecretBinary,
          input.VersionStages ?? ['AWSCURRENT'],
        );
        return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: version.stages };
      }
      case 'DescribeSecret': {
        const secret = this.find(input.SecretId);
        if (!secret) throw notFound();
        return {
          ARN: secret.arn,
          Name: secret.name,
          ...(secret.description ? { Description: secret.description } : {}),
          LastChangedDate: secret.lastChangedAt / 1000,
          CreatedDate: secret.createdAt / 1000,
          ...(secret.tags.length ? { Tags: secret.tags } : {}),
          // Versions without a label are deprecated: still readable by VersionId, not listed here.
          VersionIdsToStages: Object.fromEntries(
            [...secret.versions.values()].filter((v) => v.stages.length).map((v) => [v.id, v.stages]),
          ),
        };
      }
      default:
        throw new AwsError('UnknownOperationException', `Operation ${operation} is not supported by the emulator`);
    }
  }
}
