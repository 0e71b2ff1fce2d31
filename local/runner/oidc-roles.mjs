/**
 * IAM for GitHub OIDC in the AWS emulator, as a repository owner sets it up on AWS (AWS docs,
 * "Create a role for OpenID Connect federation"): the token.actions.githubusercontent.com provider
 * with audience sts.amazonaws.com, and roles whose trust policy admits one `sub`. Plain IAM Query
 * calls; idempotent (an existing provider is kept, an existing role gets the trust policy again).
 * Used by local/pipeline.mjs and the runner's tests.
 */

export const OIDC_HOST = 'token.actions.githubusercontent.com';
export const OIDC_PROVIDER_ARN = `arn:aws:iam::000000000000:oidc-provider/${OIDC_HOST}`;

async function iam(endpoint, params) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=local',
    },
    body: new URLSearchParams({ Version: '2010-05-08', ...params }),
  });
  const xml = await response.text();
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  return { ok: response.ok, code, xml };
}

/** The trust policy of a role for GitHub Actions jobs whose OIDC `sub` is exactly `sub`. */
export function trustPolicy(sub) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: OIDC_PROVIDER_ARN },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${OIDC_HOST}:aud`]: 'sts.amazonaws.com', [`${OIDC_HOST}:sub`]: sub },
        },
      },
    ],
  };
}

/** Registers the OIDC provider and each role `{ name, sub }`; throws with IAM's answer on a failure. */
export async function registerOidcRoles(endpoint, roles) {
  const provider = await iam(endpoint, {
    Action: 'CreateOpenIDConnectProvider',
    Url: `https://${OIDC_HOST}`,
    'ClientIDList.member.1': 'sts.amazonaws.com',
    'ThumbprintList.member.1': '6938fd4d98bab03faadb97b34396831e3780aea1',
  });
  if (!provider.ok && provider.code !== 'EntityAlreadyExists')
    throw new Error(`IAM CreateOpenIDConnectProvider: ${provider.xml.slice(0, 300)}`);
  for (const { name, sub } of roles) {
    const document = JSON.stringify(trustPolicy(sub));
    const created = await iam(endpoint, { Action: 'CreateRole', RoleName: name, AssumeRolePolicyDocument: document });
    if (created.ok) continue;
    const updated =
      created.code === 'EntityAlreadyExists'
        ? await iam(endpoint, { Action: 'UpdateAssumeRolePolicy', RoleName: name, PolicyDocument: document })
        : created;
    if (!updated.ok) throw new Error(`IAM role ${name}: ${updated.xml.slice(0, 300)}`);
  }
}
