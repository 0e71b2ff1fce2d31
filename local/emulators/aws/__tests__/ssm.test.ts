import { describe, expect, test } from '@jest/globals';
import { Ssm } from '../src/ssm.js';

const store = () => {
  const ssm = new Ssm('us-east-1', '000000000000');
  ssm.put('/app/token', 'hunter2', 'SecureString');
  ssm.put('/app/token', 'hunter3', 'SecureString');
  ssm.put('plain', 'visible', 'String');
  return ssm;
};

describe('SSM Parameter Store', () => {
  test('a SecureString is decrypted only WithDecryption', () => {
    const ssm = store();
    const hidden = ssm.handle('GetParameter', { Name: '/app/token' }).Parameter;
    expect(hidden.Value).not.toContain('hunter');
    expect(Buffer.from(hidden.Value, 'base64').length).toBeGreaterThan(16);
    expect(ssm.handle('GetParameter', { Name: '/app/token', WithDecryption: true }).Parameter).toMatchObject({
      Value: 'hunter3',
      Version: 2,
      Type: 'SecureString',
      ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/app/token',
    });
    expect(ssm.handle('GetParameter', { Name: 'plain' }).Parameter.Value).toBe('visible');
  });

  test.each([
    ['a hierarchical name by ARN', 'arn:aws:ssm:us-east-1:000000000000:parameter/app/token', 'hunter3'],
    ['a flat name by ARN', 'arn:aws:ssm:us-east-1:000000000000:parameter/plain', 'visible'],
    ['a version selector', '/app/token:1', 'hunter2'],
    ['an ARN with a version selector', 'arn:aws:ssm:us-east-1:000000000000:parameter/app/token:1', 'hunter2'],
  ])('GetParameter finds %s', (_, name, value) => {
    expect(store().handle('GetParameter', { Name: name, WithDecryption: true }).Parameter.Value).toBe(value);
  });

  test('GetParameters answers found parameters and lists the others as invalid', () => {
    const out = store().handle('GetParameters', { Names: ['/app/token', 'missing', 'plain'], WithDecryption: true });
    expect(out.Parameters.map((p: { Name: string }) => p.Name)).toEqual(['/app/token', 'plain']);
    expect(out.InvalidParameters).toEqual(['missing']);
  });

  test.each([
    ['GetParameter', { Name: 'missing' }, 'ParameterNotFound'],
    ['GetParameter', { Name: '/app/token:9' }, 'ParameterVersionNotFound'],
    ['GetParameters', { Names: Array.from({ length: 11 }, (_, i) => `p${i}`) }, 'ValidationException'],
    ['PutParameter', { Name: 'plain', Value: 'x', Type: 'String' }, 'ParameterAlreadyExists'],
  ])('%s %j fails with %s', (operation, input, type) => {
    expect(() => store().handle(operation, input)).toThrow(expect.objectContaining({ type }));
  });

  test('task definition secrets resolve decrypted, by name or ARN', () => {
    const ssm = store();
    expect(ssm.resolve('arn:aws:ssm:us-east-1:000000000000:parameter/app/token')).toBe('hunter3');
    expect(ssm.resolve('/app/token')).toBe('hunter3');
    expect(ssm.resolve('/nope')).toBeUndefined();
  });
});
