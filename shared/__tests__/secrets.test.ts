import { afterEach, describe, expect, test } from '@jest/globals';
import {
  displayUrl,
  forgetSecrets,
  redact,
  registerSecret,
  registerSecretUrl,
  registerUrlCredentials,
} from '../secrets.js';

/** Captures what the step writes to stdout (where ::add-mask:: commands go). */
function captureStdout(fn: () => void): string {
  const writes: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => writes.push(String(chunk)) > 0) as typeof process.stdout.write;
  try {
    fn();
  } finally {
    process.stdout.write = original;
  }
  // Workflow commands escape their data (%, CR, LF); the runner reads it back like this.
  return writes.join('').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

afterEach(() => forgetSecrets());

describe('secret masking', () => {
  test('registers the value with the runner and scrubs it from our own text', () => {
    const out = captureStdout(() => registerSecret('tok-123456'));
    expect(out).toContain('::add-mask::tok-123456');
    expect(redact('Authorization: Bearer tok-123456.')).toBe('Authorization: Bearer ***.');
  });

  test('masks each line of a multi-line secret and its URL-encoded form', () => {
    const out = captureStdout(() => registerSecret('line one/x\nline two'));
    expect(out).toContain('::add-mask::line one/x\nline two');
    expect(out).toContain('::add-mask::line one/x');
    expect(out).toContain('::add-mask::line two');
    expect(out).toContain(`::add-mask::${encodeURIComponent('line one/x')}`);
    expect(redact('a line two b')).toBe('a *** b');
  });

  test('a database URL masks the URL and the password inside it, decoded and encoded', () => {
    const url = 'postgresql://app:p%40ss%2Fw0rd@db.internal:5432/prod?sslmode=require';
    const out = captureStdout(() => registerSecretUrl(url));
    expect(out).toContain('::add-mask::p@ss/w0rd');
    expect(out).toContain('::add-mask::p%40ss%2Fw0rd');
    expect(redact(`password p@ss/w0rd failed`)).toBe('password *** failed');
    expect(redact(`connecting to ${url}`)).toBe('connecting to ***');
  });

  test('token-like query parameters are secrets too', () => {
    captureStdout(() => registerSecretUrl('https://hooks.example.com/x?token=abcdef123&mode=1'));
    expect(redact('got abcdef123')).toBe('got ***');
  });

  test.each([
    ['https://u:pw-12345@api.example.com/health', 'pw-12345'],
    ['https://api.example.com/health?auth=abc-9876', 'abc-9876'],
    ['https://api.example.com/health?oauth_token=ot-5555', 'ot-5555'],
    ['https://api.example.com/health?api_key=k-4444', 'k-4444'],
  ])('registerUrlCredentials(%s) masks %s and leaves the rest of the URL readable', (raw, secret) => {
    const out = captureStdout(() => registerUrlCredentials(new URL(raw)));
    expect(out).toContain(`::add-mask::${secret}`);
    expect(redact(raw)).not.toContain(secret);
    expect(redact(raw)).toContain('api.example.com/health');
    expect(displayUrl(raw)).not.toContain(secret);
  });

  test('ignores empty and very short values (they would mask ordinary text)', () => {
    const out = captureStdout(() => {
      registerSecret('');
      registerSecret('ab');
    });
    expect(out).toBe('');
    expect(redact('ab cd')).toBe('ab cd');
  });

  test('displayUrl hides the password and credential query values', () => {
    expect(displayUrl('postgresql://app:secret@db:5432/prod?password=x&sslmode=require')).toBe(
      'postgresql://app:***@db:5432/prod?password=***&sslmode=require',
    );
    expect(displayUrl('not a url')).toBe('***');
  });

  test('the longer of two overlapping secrets is replaced whole', () => {
    captureStdout(() => {
      registerSecret('abc123');
      registerSecret('abc123456');
    });
    expect(redact('x abc123456 y')).toBe('x *** y');
  });
});
