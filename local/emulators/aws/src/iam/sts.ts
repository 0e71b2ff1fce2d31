/**
 * STS: AssumeRoleWithWebIdentity (GitHub OIDC) and GetCallerIdentity. The token is checked as STS
 * does: a JWT from an issuer registered as an IAM OIDC provider, an audience in the provider's
 * client ids, a valid signature, not expired; then the role's trust policy is evaluated with the
 * provider's context keys (`<provider>:aud`, `:sub`, `:amr`). Any mismatch with the trust policy
 * (or an unknown role) answers AccessDenied "Not authorized to perform sts:AssumeRoleWithWebIdentity",
 * as AWS does without saying which condition failed
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html).
 */
import { randomBytes } from 'node:crypto';
import type { Iam } from './iam.js';
import { decodeJwt, verifySignature } from './jwt.js';
import { allows } from './policy.js';
import { type Doc, QueryError, requireParams } from './query.js';

const random = (alphabet: string, n: number) =>
  Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

interface Session {
  arn: string;
  userId: string;
  expires: number;
}

export class Sts {
  /** Temporary credentials handed out, by access key id (what GetCallerIdentity reports). */
  private sessions = new Map<string, Session>();

  constructor(
    private readonly iam: Iam,
    private readonly now: () => number = Date.now,
  ) {}

  clear(): void {
    this.sessions.clear();
  }

  async handle(action: string, params: Doc, accessKeyId: string | undefined): Promise<Doc> {
    if (action === 'AssumeRoleWithWebIdentity') return this.assumeRoleWithWebIdentity(params);
    if (action === 'GetCallerIdentity') {
      const session = accessKeyId ? this.sessions.get(accessKeyId) : undefined;
      if (session && session.expires > this.now()) {
        return { UserId: session.userId, Account: this.iam.accountId, Arn: session.arn };
      }
      return {
        UserId: this.iam.accountId,
        Account: this.iam.accountId,
        Arn: `arn:aws:iam::${this.iam.accountId}:root`,
      };
    }
    throw new QueryError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
  }

  private async keysFor(issuer: string) {
    const registered = this.iam.keys.get(issuer);
    if (registered?.keys) return registered.keys;
    if (!registered?.jwksUri) return [];
    try {
      const res = await fetch(registered.jwksUri, { signal: AbortSignal.timeout(5000) });
      return ((await res.json()) as { keys?: [] }).keys ?? [];
    } catch {
      return [];
    }
  }

  private async assumeRoleWithWebIdentity(params: Doc): Promise<Doc> {
    requireParams(params, ['RoleArn', 'RoleSessionName', 'WebIdentityToken']);
    const sessionName = String(params.RoleSessionName);
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
      throw new QueryError(
        'ValidationError',
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    }
    const denied = new QueryError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);
    const jwt = decodeJwt(String(params.WebIdentityToken));
    const { claims } = jwt;
    const issuer = String(claims.iss ?? '');
    const providerUrl = issuer.replace(/^https:\/\//, '').replace(/\/$/, '');
    const provider = [...this.iam.providers.values()].find((p) => p.url === providerUrl);
    if (!provider) {
      throw new QueryError('InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${issuer}`);
    }
    const audiences: string[] = Array.isArray(claims.aud) ? claims.aud : [String(claims.aud ?? '')];
    if (!audiences.some((a) => provider.clientIds.includes(a))) {
      throw new QueryError('InvalidIdentityToken', 'Incorrect token audience');
    }
    verifySignature(jwt, await this.keysFor(issuer));
    const nowSeconds = Math.floor(this.now() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) {
      throw new QueryError(
        'ExpiredTokenException',
        `Token expired: current date/time ${nowSeconds} must be before the expiration date/time ${claims.exp}`,
      );
    }
    const role = this.iam.roleByArn(String(params.RoleArn));
    if (!role) throw denied;
    const context: Record<string, string[]> = {
      [`${provider.url}:aud`]: audiences,
      [`${provider.url}:sub`]: claims.sub === undefined ? [] : [String(claims.sub)],
      [`${provider.url}:amr`]: claims.amr === undefined ? [] : [].concat(claims.amr).map(String),
    };
    if (!allows(role.policy, { federated: provider.arn, action: 'sts:AssumeRoleWithWebIdentity', context }))
      throw denied;
    const duration = Number(params.DurationSeconds ?? 3600);
    if (!(duration >= 900)) {
      throw new QueryError(
        'ValidationError',
        `1 validation error detected: Value '${params.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
      );
    }
    if (duration > role.maxSessionDuration) {
      throw new QueryError(
        'ValidationError',
        `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
      );
    }
    const accessKeyId = `ASIA${random(UPPER, 16)}`;
    const arn = `arn:aws:sts::${this.iam.accountId}:assumed-role/${role.name}/${sessionName}`;
    const userId = `${role.id}:${sessionName}`;
    const expires = this.now() + duration * 1000;
    this.sessions.set(accessKeyId, { arn, userId, expires });
    return {
      Credentials: {
        AccessKeyId: accessKeyId,
        SecretAccessKey: randomBytes(30).toString('base64'),
        SessionToken: `IQoJb3JpZ2luX2VtdWxhdG9y${randomBytes(96).toString('base64')}`,
        Expiration: new Date(expires),
      },
      SubjectFromWebIdentityToken: claims.sub,
      AssumedRoleUser: { AssumedRoleId: userId, Arn: arn },
      Provider: provider.arn,
      Audience: audiences.find((a) => provider.clientIds.includes(a)),
    };
  }
}
