/**
 * IAM roles with a GitHub OIDC trust policy and STS AssumeRoleWithWebIdentity, through the
 * unmodified SDK v3 IAM and STS clients against a real emulator process.
 */
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { checkQueryError, checkQueryOutput } from '../testing/aws-query-model.js';
import { GITHUB_ISSUER, oidcIssuer } from '../testing/oidc.js';
import { type EmulatorProcess, startEmulatorProcess } from '../testing/process.js';
import { recordingHandler } from '../testing/recorder.js';

const ACCOUNT = '000000000000';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const github = oidcIssuer();
let emulator: EmulatorProcess;
let iam: IAMClient;
let sts: STSClient;
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy' };
const { handler, exchanges } = recordingHandler();

const trust = (sub: string, operator = 'StringEquals') =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: PROVIDER },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
          [operator]: { 'token.actions.githubusercontent.com:sub': sub },
        },
      },
    ],
  });

beforeAll(async () => {
  emulator = await startEmulatorProcess(['--tick-ms', '200']);
  iam = new IAMClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials, requestHandler: handler });
  sts = new STSClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials, requestHandler: handler });
  const res = await fetch(`${emulator.endpoint}/_emulator/oidc/keys`, {
    method: 'POST',
    body: JSON.stringify({ issuer: GITHUB_ISSUER, keys: github.jwks.keys }),
  });
  expect(res.status).toBe(200);
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: GITHUB_ISSUER,
      ClientIDList: ['sts.amazonaws.com'],
      ThumbprintList: ['6938fd4d98bab03faadb97b34396831e3780aea1'],
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'deploy-staging',
      AssumeRolePolicyDocument: trust('repo:org/app:environment:staging'),
    }),
  );
  await iam.send(
    new CreateRoleCommand({ RoleName: 'images', AssumeRolePolicyDocument: trust('repo:org/app:*', 'StringLike') }),
  );
}, 60_000);

afterAll(async () => {
  iam?.destroy();
  sts?.destroy();
  await emulator?.stop();
});

const assume = (role: string, token: string) =>
  sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
      RoleSessionName: 'GitHubActions',
      WebIdentityToken: token,
    }),
  );

describe('IAM roles and STS AssumeRoleWithWebIdentity for GitHub OIDC', () => {
  test('a token whose sub and aud match the trust policy gets temporary credentials', async () => {
    const out = await assume('deploy-staging', github.token({ sub: 'repo:org/app:environment:staging' }));
    expect(out.Credentials).toMatchObject({
      AccessKeyId: expect.stringMatching(/^ASIA[A-Z2-7]{16}$/),
      SecretAccessKey: expect.any(String),
      SessionToken: expect.any(String),
    });
    expect(out.Credentials!.Expiration!.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deploy-staging/GitHubActions`);
    expect(out.SubjectFromWebIdentityToken).toBe('repo:org/app:environment:staging');
    expect(out.Provider).toBe(PROVIDER);
    const session = new STSClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: {
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretAccessKey!,
        sessionToken: out.Credentials!.SessionToken!,
      },
    });
    const me = await session.send(new GetCallerIdentityCommand({}));
    session.destroy();
    expect(me).toMatchObject({ Account: ACCOUNT, Arn: out.AssumedRoleUser!.Arn });
  });

  test('StringLike wildcards match any ref or environment of the repository', async () => {
    for (const sub of [
      'repo:org/app:ref:refs/heads/main',
      'repo:org/app:environment:production',
      'repo:org/app:pull_request',
    ]) {
      await expect(assume('images', github.token({ sub }))).resolves.toMatchObject({
        SubjectFromWebIdentityToken: sub,
      });
    }
    await expect(assume('images', github.token({ sub: 'repo:org/other:ref:refs/heads/main' }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });

  test.each([
    ['another environment', { sub: 'repo:org/app:environment:production' }],
    ['a branch instead of the environment', { sub: 'repo:org/app:ref:refs/heads/main' }],
    ['another repository', { sub: 'repo:evil/app:environment:staging' }],
    ['no sub claim', { sub: undefined }],
  ])('%s is refused with AccessDenied, worded as AWS does', async (_, claims) => {
    await expect(assume('deploy-staging', github.token(claims))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      $metadata: { httpStatusCode: 403 },
    });
  });

  test('an unknown role is AccessDenied too (STS does not say whether the role exists)', async () => {
    await expect(assume('nope', github.token({ sub: 'repo:org/app:environment:staging' }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });

  test.each([
    [
      'an audience the provider does not list',
      () => github.token({ aud: 'api://other' }),
      'InvalidIdentityTokenException',
      'Incorrect token audience',
    ],
    [
      'an expired token',
      () => github.token({ exp: Math.floor(Date.now() / 1000) - 10 }),
      'ExpiredTokenException',
      'Token expired',
    ],
    [
      'a token signed with another key',
      () => oidcIssuer('other').token(),
      'InvalidIdentityTokenException',
      'verification key',
    ],
    [
      'an issuer without an OIDC provider',
      () => github.token({ iss: 'https://issuer.example' }),
      'InvalidIdentityTokenException',
      'No OpenIDConnect provider found in your account for https://issuer.example',
    ],
    ['not a JWT', () => 'not-a-jwt', 'InvalidIdentityTokenException', 'not a valid JWT'],
  ])('%s is refused', async (_, token, name, message) => {
    await expect(assume('deploy-staging', token())).rejects.toMatchObject({
      name,
      message: expect.stringContaining(message),
    });
  });

  test('a token with a forged signature for a known key id is refused', async () => {
    const [header, payload] = github.token().split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'repo:org/app:environment:staging' })).toString('base64url')}.${github.token().split('.')[2]}`;
    await expect(assume('deploy-staging', forged)).rejects.toMatchObject({ name: 'InvalidIdentityTokenException' });
  });

  test('GetRole returns the trust policy URL-encoded; IAM errors carry their codes', async () => {
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'deploy-staging' }));
    expect(Role?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:role/deploy-staging`);
    expect(JSON.parse(decodeURIComponent(Role!.AssumeRolePolicyDocument!))).toEqual(
      JSON.parse(trust('repo:org/app:environment:staging')),
    );
    await expect(iam.send(new GetRoleCommand({ RoleName: 'missing' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The role with name missing cannot be found.',
    });
    await expect(
      iam.send(new CreateRoleCommand({ RoleName: 'deploy-staging', AssumeRolePolicyDocument: trust('x') })),
    ).rejects.toMatchObject({ name: 'EntityAlreadyExistsException' });
    await expect(
      iam.send(new CreateRoleCommand({ RoleName: 'broken', AssumeRolePolicyDocument: '{not json' })),
    ).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException' });
  });

  test('UpdateAssumeRolePolicy changes who may assume the role', async () => {
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'prod',
        AssumeRolePolicyDocument: trust('repo:org/app:environment:production'),
      }),
    );
    const token = github.token({ sub: 'repo:org/app:environment:staging' });
    await expect(assume('prod', token)).rejects.toMatchObject({ name: 'AccessDenied' });
    await iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: 'prod',
        PolicyDocument: trust('repo:org/app:environment:staging'),
      }),
    );
    await expect(assume('prod', token)).resolves.toMatchObject({
      SubjectFromWebIdentityToken: 'repo:org/app:environment:staging',
    });
  });

  // Runs last: every IAM and STS exchange of the tests above, success and error.
  test('every IAM and STS response conforms to the published models', () => {
    const problems = exchanges.flatMap((x) => {
      const service = x.version === '2010-05-08' ? 'iam' : 'sts';
      const text = String(x.response);
      return (
        x.status === 200
          ? checkQueryOutput(service, x.operation, text)
          : checkQueryError(service, x.operation, x.status, text)
      ).map((p) => `${x.operation} (${x.status}): ${p}`);
    });
    expect(exchanges.filter((x) => x.status !== 200).length).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });
});
