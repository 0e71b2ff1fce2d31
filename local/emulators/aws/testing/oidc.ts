/**
 * GitHub-style OIDC tokens for tests: an RSA key pair, its JWKS, and `token(claims)` signing an
 * RS256 JWT with GitHub's issuer and default claims (aud `sts.amazonaws.com`, 5-minute expiry).
 */
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

export function oidcIssuer(kid: string = randomUUID()) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] };
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const token = (claims: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      iss: GITHUB_ISSUER,
      aud: 'sts.amazonaws.com',
      sub: 'repo:org/app:ref:refs/heads/main',
      iat: now,
      nbf: now,
      exp: now + 300,
      ...claims,
    };
    const signed = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(payload)}`;
    return `${signed}.${createSign('RSA-SHA256').update(signed).sign(privateKey).toString('base64url')}`;
  };
  return { jwks, token };
}
