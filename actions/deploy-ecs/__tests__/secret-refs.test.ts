import { describe, expect, test } from '@jest/globals';
import { parseSecretRef, secretRefsOf } from '../src/secret-refs.js';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf';

describe('parseSecretRef', () => {
  test('a Secrets Manager ARN, alone and with json key, version stage or version id', () => {
    expect(parseSecretRef(SECRET)).toEqual({ service: 'secretsmanager', id: SECRET, region: 'eu-west-1' });
    expect(parseSecretRef(`${SECRET}:url::`)).toEqual({
      service: 'secretsmanager',
      id: SECRET,
      region: 'eu-west-1',
      jsonKey: 'url',
    });
    expect(parseSecretRef(`${SECRET}:url:AWSPREVIOUS:`)).toMatchObject({ jsonKey: 'url', versionStage: 'AWSPREVIOUS' });
    expect(parseSecretRef(`${SECRET}:::0f1e2d3c-aaaa-bbbb-cccc-000000000000`)).toEqual({
      service: 'secretsmanager',
      id: SECRET,
      region: 'eu-west-1',
      versionId: '0f1e2d3c-aaaa-bbbb-cccc-000000000000',
    });
  });

  test('SSM parameters by name (a bare name is SSM, as ECS reads it) and by ARN', () => {
    expect(parseSecretRef('/prod/db/url')).toEqual({ service: 'ssm', id: '/prod/db/url' });
    expect(parseSecretRef('db-url')).toEqual({ service: 'ssm', id: 'db-url' });
    const arn = 'arn:aws:ssm:us-east-1:123456789012:parameter/prod/db/url';
    expect(parseSecretRef(arn)).toEqual({ service: 'ssm', id: arn, region: 'us-east-1' });
  });

  test.each([
    ['', /is empty; expected a Secrets Manager secret ARN/],
    ['arn:aws:s3:::bucket/key', /not a valid ARN/],
    ['arn:aws:kms:us-east-1:123456789012:key/1', /names the service kms; expected secretsmanager or ssm/],
    ['arn:aws:secretsmanager:us-east-1:123456789012:rotation:x', /not a secret ARN/],
    ['arn:aws:ssm:us-east-1:123456789012:document/x', /not an SSM parameter ARN/],
    [`${SECRET}:k:AWSCURRENT:0f1e2d3c`, /both a version stage and a version id/],
    [`${SECRET}:k:s::extra`, /at most json-key:version-stage:version-id/],
    ['/prod/db url', /contains whitespace/],
  ])('%j is refused', (valueFrom, message) => {
    expect(() => parseSecretRef(valueFrom)).toThrow(message);
  });
});

describe('secretRefsOf', () => {
  test('every container, with the container and variable named in each problem', () => {
    const { refs, problems } = secretRefsOf({
      containerDefinitions: [
        { name: 'app', secrets: [{ name: 'DATABASE_URL', valueFrom: `${SECRET}:url::` }] },
        {
          name: 'worker',
          secrets: [
            { name: 'FLAG', valueFrom: '/prod/flag' },
            { name: 'BAD', valueFrom: '' },
          ],
        },
        { name: 'sidecar' },
      ],
    });
    expect(refs.map((r) => [r.container, r.name, r.ref.service, r.ref.id])).toEqual([
      ['app', 'DATABASE_URL', 'secretsmanager', SECRET],
      ['worker', 'FLAG', 'ssm', '/prod/flag'],
    ]);
    expect(problems).toEqual([
      'containerDefinitions[1] "worker" secrets BAD valueFrom: is empty; expected a Secrets Manager secret ARN or an SSM parameter name or ARN',
    ]);
  });
});
