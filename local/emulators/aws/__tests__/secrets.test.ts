import { describe, expect, test } from '@jest/globals';
import { SecretsManager } from '../src/secrets-manager.js';

const manager = () => new SecretsManager('us-east-1', '000000000000');

describe('Secrets Manager versions and staging labels', () => {
  test('a new value becomes AWSCURRENT, the old one AWSPREVIOUS, the one before loses its label', () => {
    const sm = manager();
    const v1 = sm.handle('CreateSecret', { Name: 'db', SecretString: 'one' }).VersionId;
    const v2 = sm.handle('PutSecretValue', { SecretId: 'db', SecretString: 'two' }).VersionId;
    const v3 = sm.handle('PutSecretValue', { SecretId: 'db', SecretString: 'three' }).VersionId;
    expect(sm.handle('DescribeSecret', { SecretId: 'db' }).VersionIdsToStages).toEqual({
      [v2]: ['AWSPREVIOUS'],
      [v3]: ['AWSCURRENT'],
    });
    expect(sm.handle('GetSecretValue', { SecretId: 'db' })).toMatchObject({ SecretString: 'three', VersionId: v3 });
    expect(sm.handle('GetSecretValue', { SecretId: 'db', VersionStage: 'AWSPREVIOUS' }).SecretString).toBe('two');
    // A deprecated version (no label) is still readable by its id.
    expect(sm.handle('GetSecretValue', { SecretId: 'db', VersionId: v1 })).toMatchObject({
      SecretString: 'one',
      VersionStages: [],
    });
  });

  test.each([
    [{ VersionStage: 'AWSPENDING' }, 'ResourceNotFoundException', 'staging label: AWSPENDING'],
    [{ VersionId: 'nope' }, 'ResourceNotFoundException', 'VersionId: nope'],
  ])('GetSecretValue %j fails with %s', (selector, type, message) => {
    const sm = manager();
    sm.handle('CreateSecret', { Name: 'db', SecretString: 'one' });
    expect(() => sm.handle('GetSecretValue', { SecretId: 'db', ...selector })).toThrow(
      expect.objectContaining({ type, message: expect.stringContaining(message) }),
    );
  });

  test('a VersionStage that the VersionId does not carry is refused', () => {
    const sm = manager();
    const v1 = sm.handle('CreateSecret', { Name: 'db', SecretString: 'one' }).VersionId;
    expect(() => sm.handle('GetSecretValue', { SecretId: 'db', VersionId: v1, VersionStage: 'AWSPREVIOUS' })).toThrow(
      expect.objectContaining({ type: 'InvalidParameterException' }),
    );
  });

  test('ClientRequestToken is the version id and makes PutSecretValue idempotent', () => {
    const sm = manager();
    sm.handle('CreateSecret', { Name: 'db', SecretString: 'one' });
    const token = 'a'.repeat(32);
    const first = sm.handle('PutSecretValue', { SecretId: 'db', SecretString: 'two', ClientRequestToken: token });
    const again = sm.handle('PutSecretValue', { SecretId: 'db', SecretString: 'two', ClientRequestToken: token });
    expect([first.VersionId, again.VersionId]).toEqual([token, token]);
    expect(() =>
      sm.handle('PutSecretValue', { SecretId: 'db', SecretString: 'other', ClientRequestToken: token }),
    ).toThrow(expect.objectContaining({ type: 'ResourceExistsException' }));
  });

  test('task definition valueFrom: name, full or partial ARN, JSON key, JSON key of AWSPREVIOUS', () => {
    const sm = manager();
    const url = sm.put('db/url', 'postgres://x').secret;
    const json = sm.put('db/json', '{"url":"postgres://old"}').secret;
    sm.put('db/json', '{"url":"postgres://new"}');
    expect(sm.resolve('db/url')).toBe('postgres://x');
    expect(sm.resolve(url.arn)).toBe('postgres://x');
    expect(sm.resolve(url.arn.slice(0, -7))).toBe('postgres://x');
    expect(sm.resolve(`${json.arn}:url::`)).toBe('postgres://new');
    expect(sm.resolve(`${json.arn}:url:AWSPREVIOUS:`)).toBe('postgres://old');
    expect(sm.resolve(`${json.arn}:missing::`)).toBeUndefined();
    expect(sm.resolve('db/none')).toBeUndefined();
  });
});
