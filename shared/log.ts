import * as core from '@actions/core';
import { formatDuration } from './duration.js';
import { redact } from './secrets.js';

/** Runs one phase of the action in a collapsible log group and says how long it took. */
export async function group<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  return core.group(name, async () => {
    try {
      return await fn();
    } finally {
      core.info(`${name}: ${formatDuration(Date.now() - started)}`);
    }
  });
}

/** Raw payloads only when the run is in debug mode, scrubbed of known secrets. */
export function debugPayload(label: string, payload: unknown): void {
  if (!core.isDebug()) return;
  core.debug(`${label}: ${redact(typeof payload === 'string' ? payload : JSON.stringify(payload, null, 2))}`);
}
