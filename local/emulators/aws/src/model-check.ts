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
  logs: 'ServiceUnavailableException',
};

/** The client error each service answers for a member that breaks its shape's constraints. */
const VALIDATION_ERROR: Record<ServiceName, string> = {
  ecs: 'InvalidParameterException',
  ecr: 'InvalidParameterException',
  secretsmanager: 'InvalidParameterException',
  ssm: 'ValidationException',
  logs: 'InvalidParameterException',
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
  if (!problems.length) return limits(service, operation, input);
  const serialization = problems.filter((p) => /: (expected|unknown member|null)/.test(p));
  if (serialization.length) return new AwsError('SerializationException', serialization.join('; '));
  return new AwsError(VALIDATION_ERROR[service], problems.join('; '));
}

/**
 * List-length limits the API references state but the minified models do not carry
 * (DescribeServices: "You may specify up to 10 services"; DescribeTasks: up to 100 tasks;
 * ListTasks/ListTaskDefinitions maxResults 1-100; GetParameters: up to 10 names).
 */
const LIMITS: Partial<Record<ServiceName, Record<string, [member: string, min: number, max: number][]>>> = {
  ecs: {
    DescribeServices: [['services', 1, 10]],
    DescribeTasks: [['tasks', 1, 100]],
    ListTasks: [['maxResults', 1, 100]],
    ListTaskDefinitions: [['maxResults', 1, 100]],
  },
  ssm: { GetParameters: [['Names', 1, 10]] },
};

function limits(service: ServiceName, operation: string, input: unknown): AwsError | undefined {
  for (const [member, min, max] of LIMITS[service]?.[operation] ?? []) {
    const value = (input as Record<string, unknown>)?.[member];
    if (value === undefined) continue;
    const size = Array.isArray(value) ? value.length : Number(value);
    if (size >= min && size <= max) continue;
    if (service === 'ssm') {
      return new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${JSON.stringify(value)}' at '${member[0]!.toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
      );
    }
    return new AwsError(
      VALIDATION_ERROR[service],
      Array.isArray(value)
        ? `${member} can have at most ${max} items.`
        : `${member} must be between ${min} and ${max}.`,
    );
  }
  return undefined;
}

/** `Message` where the model's error shape names its member so, else `message`. */
export function messageKey(service: ServiceName, type: string): string {
  return loadModel(service).v3.types.get(type)?.has('Message') ? 'Message' : 'message';
}
