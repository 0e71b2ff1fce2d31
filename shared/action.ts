import * as core from '@actions/core';
import { ConfigurationError, errorMessage } from './errors.js';
import { redact } from './secrets.js';

/**
 * The action ran to its end and its verdict is a failure (a denied approval, a failed smoke test):
 * thrown after the outputs and the summary are written, reported as its message alone.
 */
export class ActionFailed extends Error {
  override name = 'ActionFailed';
}

/**
 * The one error boundary of every action: a ConfigurationError is reported as its message (no
 * stack); anything else keeps its causes, and its stack in debug mode. Messages are scrubbed.
 */
export async function runAction(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof ConfigurationError || error instanceof ActionFailed) {
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
