/**
 * SSM Parameter Store (`AmazonSSM.*`): GetParameter, GetParameters, PutParameter. A SecureString
 * value is returned in plain text only with `WithDecryption: true`; without it the value is the
 * ciphertext (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html).
 * Parameters are found by name or by ARN, with an optional `:version` selector.
 */
import { createHash } from 'node:crypto';
import { AwsError } from './errors.js';

// biome-ignore lint/suspicious/noExplicitAny: wire-format documents are open-ended JSON
type Json = Record<string, any>;

export type ParameterType = 'String' | 'StringList' | 'SecureString';

interface Parameter {
  name: string;
  type: ParameterType;
  versions: { value: string; version: number; modifiedAt: number }[];
}

export class Ssm {
  private parameters = new Map<string, Parameter>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  clear(): void {
    this.parameters.clear();
  }

  put(name: string, value: string, type: ParameterType = 'SecureString', overwrite = true): number {
    const existing = this.parameters.get(name);
    if (existing && !overwrite) {
      throw new AwsError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    const parameter = existing ?? { name, type, versions: [] };
    parameter.type = type;
    const version = (parameter.versions.at(-1)?.version ?? 0) + 1;
    parameter.versions.push({ value, version, modifiedAt: Date.now() });
    this.parameters.set(name, parameter);
    return version;
  }

  arn(name: string): string {
    return `arn:aws:ssm:${this.region}:${this.accountId}:parameter/${name.replace(/^\//, '')}`;
  }

  /** `name`, `name:3` or `arn:aws:ssm:<region>:<account>:parameter/<name without leading slash>[:3]`. */
  private lookup(reference: string): { parameter: Parameter; version: Parameter['versions'][number] } | undefined {
    let name = reference;
    if (reference.startsWith('arn:')) {
      const path = reference.split(':parameter')[1] ?? '';
      // The ARN drops the leading slash of a hierarchical name: try both forms.
      name = path.replace(/^\//, '');
      if (!this.parameters.has(name.split(':')[0]!)) name = `/${name}`;
    }
    const [base, selector] = name.split(':');
    const parameter = this.parameters.get(base!);
    if (!parameter) return undefined;
    if (selector === undefined) return { parameter, version: parameter.versions.at(-1)! };
    const version = parameter.versions.find((v) => String(v.version) === selector);
    if (!version) {
      throw new AwsError(
        'ParameterVersionNotFound',
        `Systems Manager could not find version ${selector} of ${base}. Verify the version and try again.`,
      );
    }
    return { parameter, version };
  }

  /** The plain value, for ECS task definition secrets (the agent reads them decrypted). */
  resolve(reference: string): string | undefined {
    try {
      return this.lookup(reference)?.version.value;
    } catch {
      return undefined;
    }
  }

  private view(reference: string, decrypt: boolean): Json | undefined {
    const found = this.lookup(reference);
    if (!found) return undefined;
    const { parameter, version } = found;
    const secure = parameter.type === 'SecureString';
    return {
      Name: parameter.name,
      Type: parameter.type,
      Value: secure && !decrypt ? ciphertext(parameter.name, version.value) : version.value,
      Version: version.version,
      ...(reference.includes(':') && !reference.startsWith('arn:') ? { Selector: `:${reference.split(':')[1]}` } : {}),
      LastModifiedDate: version.modifiedAt / 1000,
      ARN: this.arn(parameter.name),
      DataType: 'text',
    };
  }

  handle(operation: string, input: Json): Json {
    switch (operation) {
      case 'GetParameter': {
        const parameter = this.view(input.Name, input.WithDecryption === true);
        // SSM answers ParameterNotFound with an empty message.
        if (!parameter) throw new AwsError('ParameterNotFound', '');
        return { Parameter: parameter };
      }
      case 'GetParameters': {
        if (input.Names.length > 10) {
          throw new AwsError(
            'ValidationException',
            `1 validation error detected: Value '[${input.Names.join(', ')}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10`,
          );
        }
        const Parameters: Json[] = [];
        const InvalidParameters: string[] = [];
        for (const name of input.Names as string[]) {
          const parameter = this.view(name, input.WithDecryption === true);
          if (parameter) Parameters.push(parameter);
          else InvalidParameters.push(name);
        }
        return { Parameters, InvalidParameters };
      }
      case 'PutParameter': {
        const type = (input.Type ?? this.parameters.get(input.Name)?.type ?? 'String') as ParameterType;
        return { Version: this.put(input.Name, input.Value, type, input.Overwrite === true), Tier: 'Standard' };
      }
      default:
        throw new AwsError('UnknownOperationException', `Operation ${operation} is not supported by the emulator`);
    }
  }
}

/** Stands in for KMS ciphertext: opaque base64 that does not contain the value. */
function ciphertext(name: string, value: string): string {
  return Buffer.concat([Buffer.from('AQICAH'), createHash('sha256').update(`${name}\0${value}`).digest()]).toString(
    'base64',
  );
}
