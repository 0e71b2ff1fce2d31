/**
 * Web identity tokens: a JWT (header.payload.signature, base64url) signed RS256 with a key of the
 * issuer's JWKS, found by `kid`. STS reads the keys from the provider; here the keys are
 * registered with the emulator (`POST /_emulator/oidc/keys`, a JWKS or a `jwksUri` it fetches).
 */
import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { QueryError } from './query.js';

// biome-ignore lint/suspicious/noExplicitAny: JWT claims are open-ended JSON
export type Claims = Record<string, any>;

const invalid = (message: string) => new QueryError('InvalidIdentityToken', message);

export function decodeJwt(token: string): { header: Claims; claims: Claims; signed: string; signature: Buffer } {
  const parts = token.split('.');
  try {
    if (parts.length !== 3) throw new Error('not three parts');
    const [header, claims] = parts.slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')));
    return { header, claims, signed: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    throw invalid('The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)');
  }
}

export function verifySignature(jwt: ReturnType<typeof decodeJwt>, keys: JsonWebKey[]): void {
  if (jwt.header.alg !== 'RS256') throw invalid(`Unsupported JWT signing algorithm ${jwt.header.alg}; expected RS256`);
  const kid = jwt.header.kid;
  // A token names its key by `kid`; only a token without one may use an issuer's single key.
  const key = kid === undefined && keys.length === 1 ? keys[0] : keys.find((k) => (k as { kid?: string }).kid === kid);
  if (!key) {
    throw invalid(
      "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
    );
  }
  const ok = verify('RSA-SHA256', Buffer.from(jwt.signed), createPublicKey({ key, format: 'jwk' }), jwt.signature);
  if (!ok) throw invalid('The web identity token signature could not be verified.');
}
