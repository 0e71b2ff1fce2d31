/** The one helper of the actions' input tests: what getInputs makes of raw inputs. */
import { ConfigurationError } from '../shared/errors.js';
import type { ReadInput } from '../shared/inputs.js';

/**
 * The message of the ConfigurationError that `getInputs` throws for these raw inputs (names as in
 * action.yml; unset inputs read as ''), or undefined when they are valid. Any other error is thrown.
 */
export function inputProblem(
  getInputs: (read: ReadInput) => unknown,
  inputs: Record<string, string>,
): string | undefined {
  try {
    getInputs((name) => inputs[name] ?? '');
    return undefined;
  } catch (error) {
    if (error instanceof ConfigurationError) return error.message;
    throw error;
  }
}
