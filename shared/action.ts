import * as core from '@actions/core';
import { ConfigurationError, errorMessage } from './errors.js';
import { redact } from './secrets.js';

/**
 * The one error boundary of every action: a ConfigurationError is reported as its message (no
 * stack); anything else keeps its causes, and its stack in debug mode. Messages are scrubbed.
 */
export async function runAction(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      core.setFailed(redact(error.message));
      return;
    }
    if (error instanceof Error && error.stack) core.debug(redact(error.stack));
    core.setFailed(redact(errorMessage(error)));
  }
}

/** Sets an output after scrubbing it: an output is not masked by anything else. */
export function setOutput(name: string, value: unknown): void {
  core.setOutput(name, redact(typeof value === 'string' ? value : JSON.stringify(value)));
}
