import { describe, expect, test } from '@jest/globals';
import { isThrottling, isTransientAwsError } from '../aws.js';

const awsError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error('some message'), { name, ...extra });

describe('isTransientAwsError: decided by code and name, not by message', () => {
  test.each<[string, unknown, boolean]>([
    ['throttling', awsError('ThrottlingException', { $fault: 'client', $metadata: { httpStatusCode: 400 } }), true],
    ['server fault', awsError('Whatever', { $fault: 'server' }), true],
    ['any 5xx', awsError('Unknown', { $metadata: { httpStatusCode: 502 } }), true],
    [
      'ECS ServerException',
      awsError('ServerException', { $fault: 'server', $metadata: { httpStatusCode: 500 } }),
      true,
    ],
    ['ServiceUnavailable by name', awsError('ServiceUnavailable'), true],
    ['RequestTimeout by name', awsError('RequestTimeout', { $metadata: { httpStatusCode: 400 } }), true],
    ['SDK socket timeout', awsError('TimeoutError'), true],
    ['connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    [
      'refused, as a cause',
      new Error('request failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }),
      true,
    ],
    [
      'access denied',
      awsError('AccessDeniedException', { $fault: 'client', $metadata: { httpStatusCode: 400 } }),
      false,
    ],
    ['client exception', awsError('ClientException', { $fault: 'client', $metadata: { httpStatusCode: 400 } }), false],
    // A message that mentions a socket or a timeout is not enough: AWS words messages freely.
    ['message only', awsError('InvalidParameterException', { message: 'socket ETIMEDOUT TimeoutError' }), false],
    ['not an error', 'ECONNRESET', false],
    ['undefined', undefined, false],
  ])('%s', (_name, error, expected) => {
    expect(isTransientAwsError(error)).toBe(expected);
  });

  test.each([
    ['ThrottlingException', true],
    ['TooManyRequestsException', true],
    ['RequestLimitExceeded', true],
    ['ServerException', false],
  ])('isThrottling(%s) = %s', (name, expected) => {
    expect(isThrottling(awsError(name))).toBe(expected);
  });
});
