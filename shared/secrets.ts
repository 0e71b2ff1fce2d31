import * as core from '@actions/core';

/**
 * Every secret this process knows, so that text we write ourselves (summaries, outputs, reports)
 * can be scrubbed too: the runner masks the log, nothing masks a summary or an output.
 */
const known = new Set<string>();

/** Masks a value (and each of its lines) before anything can print it. Short values are ignored. */
export function registerSecret(value: string | undefined | null): void {
  if (!value) return;
  for (const part of [value, ...value.split(/\r?\n/)]) {
    const trimmed = part.trim();
    if (trimmed.length < 3 || known.has(trimmed)) continue;
    known.add(trimmed);
    core.setSecret(trimmed);
    // The URL-encoded form can appear in connection strings and logs.
    const encoded = encodeURIComponent(trimmed);
    if (encoded !== trimmed && !known.has(encoded)) {
      known.add(encoded);
      core.setSecret(encoded);
    }
  }
}

/**
 * Query keys that carry credentials. `auth` covers `auth=`, `oauth_token=`, `authorization=`
 * (smoke-test's check URLs carried these; the narrower rule missed them).
 */
const CREDENTIAL_KEY = /pass|secret|token|key|signature|credential|auth/i;

/** Masks a URL's credentials only (the user-info password, credential-like query values): the rest stays readable. */
export function registerUrlCredentials(target: URL): void {
  registerSecret(target.password);
  try {
    registerSecret(decodeURIComponent(target.password));
  } catch {
    // A malformed escape: the raw form is masked already.
  }
  for (const [key, value] of target.searchParams) {
    if (CREDENTIAL_KEY.test(key)) registerSecret(value);
  }
}

/** Masks a URL's credentials and the URL itself (a connection string is a secret as a whole). */
export function registerSecretUrl(raw: string): void {
  registerSecret(raw);
  try {
    registerUrlCredentials(new URL(raw));
  } catch {
    // Not a URL: the whole value is already masked.
  }
}

/** Replaces every registered secret in text we are about to write. */
export function redact(text: string): string {
  let result = text;
  // Longest first, so a secret containing another is replaced whole.
  for (const value of [...known].sort((a, b) => b.length - a.length)) {
    result = result.split(value).join('***');
  }
  return result;
}

/** A URL safe to show: password replaced, query values of credential-like keys replaced. */
export function displayUrl(raw: string | URL): string {
  try {
    const url = new URL(String(raw));
    if (url.password) url.password = '***';
    for (const key of [...url.searchParams.keys()]) {
      if (CREDENTIAL_KEY.test(key)) url.searchParams.set(key, '***');
    }
    return redact(url.toString());
  } catch {
    return '***';
  }
}

/** For tests: forget every registered secret. */
export function forgetSecrets(): void {
  known.clear();
}
