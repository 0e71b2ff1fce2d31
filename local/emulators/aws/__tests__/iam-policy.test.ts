import { describe, expect, test } from '@jest/globals';
import { allows, parsePolicy } from '../src/iam/policy.js';

const PROVIDER = 'arn:aws:iam::000000000000:oidc-provider/token.actions.githubusercontent.com';
const KEY = 'token.actions.githubusercontent.com';
const policy = (condition: object, extra: object[] = []) =>
  parsePolicy(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: PROVIDER },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: condition,
        },
        ...extra,
      ],
    }),
  );
const request = (sub?: string, aud = 'sts.amazonaws.com', federated = PROVIDER) => ({
  federated,
  action: 'sts:AssumeRoleWithWebIdentity',
  context: { [`${KEY}:sub`]: sub === undefined ? [] : [sub], [`${KEY}:aud`]: [aud] },
});

describe('trust policy evaluation', () => {
  test.each([
    [
      'StringEquals on sub',
      { StringEquals: { [`${KEY}:sub`]: 'repo:o/r:environment:prod' } },
      'repo:o/r:environment:prod',
      true,
    ],
    [
      'StringEquals is exact',
      { StringEquals: { [`${KEY}:sub`]: 'repo:o/r:environment:prod' } },
      'repo:o/r:environment:prod2',
      false,
    ],
    ['StringLike with *', { StringLike: { [`${KEY}:sub`]: 'repo:o/r:*' } }, 'repo:o/r:ref:refs/heads/main', true],
    ['StringLike with ?', { StringLike: { [`${KEY}:sub`]: 'repo:o/r?:*' } }, 'repo:o/r2:pull_request', true],
    [
      'StringLike does not cross the pattern',
      { StringLike: { [`${KEY}:sub`]: 'repo:o/r:*' } },
      'repo:o/other:x',
      false,
    ],
    ['any of several values', { StringEquals: { [`${KEY}:sub`]: ['repo:o/r:a', 'repo:o/r:b'] } }, 'repo:o/r:b', true],
    [
      'every operator must hold',
      { StringEquals: { [`${KEY}:aud`]: 'other' }, StringLike: { [`${KEY}:sub`]: '*' } },
      'x',
      false,
    ],
    ['condition keys are case-insensitive', { StringEquals: { [`${KEY.toUpperCase()}:SUB`]: 'x' } }, 'x', true],
    ['a missing key fails StringEquals', { StringEquals: { [`${KEY}:sub`]: 'x' } }, undefined, false],
    ['a missing key satisfies StringNotEquals', { StringNotEquals: { [`${KEY}:sub`]: 'x' } }, undefined, true],
    ['no condition', {}, 'anything', true],
  ])('%s', (_, condition, sub, expected) => {
    expect(allows(policy(condition), request(sub))).toBe(expected);
  });

  test('another principal or action does not match; an explicit Deny wins', () => {
    const p = policy({});
    expect(allows(p, request('x', 'sts.amazonaws.com', 'arn:aws:iam::000000000000:oidc-provider/other'))).toBe(false);
    expect(allows(p, { ...request('x'), action: 'sts:AssumeRole' })).toBe(false);
    const denied = policy({}, [
      {
        Effect: 'Deny',
        Principal: { Federated: PROVIDER },
        Action: 'sts:*',
        Condition: { StringLike: { [`${KEY}:sub`]: '*:pull_request' } },
      },
    ]);
    expect(allows(denied, request('repo:o/r:pull_request'))).toBe(false);
    expect(allows(denied, request('repo:o/r:ref:refs/heads/main'))).toBe(true);
  });

  test.each([
    ['{not json', 'This policy contains invalid Json'],
    ['{"Statement":[]}', 'Syntax errors in policy.'],
    ['{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"*"}]}', 'Invalid effect.'],
    [
      '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"Bogus":{}}}]}',
      'Invalid Condition type : Bogus.',
    ],
  ])('malformed %s is refused', (text, message) => {
    expect(() => parsePolicy(text)).toThrow(expect.objectContaining({ code: 'MalformedPolicyDocument', message }));
  });
});
