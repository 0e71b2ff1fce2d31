/**
 * What the emulator takes from AWS's published models at run time: every request is checked
 * against the operation's input shape before anything happens, server faults carry the service's
 * own error name, and error bodies use the error shape's message member (`Message` for Secrets
 * Manager, `message` elsewhere). The models come from testing/aws-model.ts (npm `aws-sdk` v2 and
 * the SDK v3 clients' declarations).
 */
import { checkInput, hasOperation, loadModel, type ServiceName } from '../testing/aws-model.js';
import { AwsError } from './errors.js';

/** The 5xx error each model lists for its operations. */
export const SERVER_FAULT: Record<ServiceName, string> = {
  ecs: 'ServerException',
  ecr: 'ServerException',
  secretsmanager: 'InternalServiceError',
  ssm: 'InternalServerError',
};

/** The client error each service answers for a member that breaks its shape's constraints. */
const VALIDATION_ERROR: Record<ServiceName, string> = {
  ecs: 'InvalidParameterException',
  ecr: 'InvalidParameterException',
  secretsmanager: 'InvalidParameterException',
  ssm: 'ValidationException',
};

/**
 * An error for a request that does not fit the operation's input shape, or undefined. A member
 * of the wrong JSON type or one the model does not have cannot be deserialized: the AWS JSON
 * protocols answer `SerializationException` (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html);
 * a missing required member or an out-of-enum value is the service's own validation error.
 */
export function invalidInput(service: ServiceName, operation: string, input: unknown): AwsError | undefined {
  if (!hasOperation(service, operation)) {
    return new AwsError('UnknownOperationException', `Operation ${operation} is not supported by ${service}`);
  }
  const problems = checkInput(service, operation, input);
  if (!problems.length) return undefined;
  const serialization = problems.filter((p) => /: (expected|unknown member|null)/.test(p));
  if (serialization.length) return new AwsError('SerializationException', serialization.join('; '));
  return new AwsError(VALIDATION_ERROR[service], problems.join('; '));
}

/** `Message` where the model's error shape names its member so, else `message`. */
export function messageKey(service: ServiceName, type: string): string {
  return loadModel(service).v3.types.get(type)?.has('Message') ? 'Message' : 'message';
}
