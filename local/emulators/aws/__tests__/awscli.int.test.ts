/**
 * awscli (botocore: its own serializers, parsers and client-side parameter validation) as an
 * independent client of the emulator: every operation the suite uses, with `--endpoint-url`,
 * outputs checked; JSON-protocol outputs also validated against the published models.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { checkOutput, type ServiceName } from '../testing/aws-model.js';
import { testImages } from '../testing/images.js';
import { GITHUB_ISSUER, oidcIssuer } from '../testing/oidc.js';
import { type EmulatorProcess, startEmulatorProcess } from '../testing/process.js';

let emulator: EmulatorProcess;
let image: string;

beforeAll(async () => {
  let images: Awaited<ReturnType<typeof testImages>>;
  [emulator, images] = await Promise.all([
    startEmulatorProcess(['--tick-ms', '200', '--host-ports', '32400-32499', '--health-interval-cap-ms', '500']),
    testImages(),
  ]);
  image = images.v1;
}, 300_000);

afterAll(async () => {
  await emulator?.stop();
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** `aws <args> --endpoint-url <emulator> --output json`, with throwaway credentials and no config files. */
function aws(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      'aws',
      [...args, '--endpoint-url', emulator.endpoint, '--output', 'json', '--region', 'us-east-1'],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'dummy',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_PAGER: '',
          AWS_MAX_ATTEMPTS: '1',
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// biome-ignore lint/suspicious/noExplicitAny: CLI output is open-ended JSON
async function ok(args: string[], model?: [ServiceName, string]): Promise<any> {
  const result = await aws(args);
  if (result.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  const output = result.stdout.trim() ? JSON.parse(result.stdout) : {};
  // botocore prints timestamps as ISO text; the model check reads epoch seconds, so only shape-check others.
  if (model) expect(checkOutput(model[0], model[1], withoutTimestamps(output))).toEqual([]);
  return output;
}

async function fails(args: string[], code: string): Promise<string> {
  const result = await aws(args);
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain(`An error occurred (${code})`);
  return result.stderr;
}

/** Timestamps as botocore prints them (ISO 8601) back to epoch seconds, as on the wire. */
// biome-ignore lint/suspicious/noExplicitAny: CLI output is open-ended JSON
function withoutTimestamps(value: any): any {
  if (Array.isArray(value)) return value.map(withoutTimestamps);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutTimestamps(v)]));
  }
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$/.test(value)) {
    return Date.parse(value) / 1000;
  }
  return value;
}

describe('awscli drives every operation the suite uses', () => {
  test('ECS: task definitions, a service, its tasks, tags, errors', async () => {
    const containers = JSON.stringify([
      {
        name: 'app',
        image,
        essential: true,
        portMappings: [{ containerPort: 8080 }],
        environment: [{ name: 'A', value: '1' }],
      },
    ]);
    await ok(['ecs', 'create-cluster', '--cluster-name', 'cli'], ['ecs', 'CreateCluster']);
    const registered = await ok(
      [
        'ecs',
        'register-task-definition',
        '--family',
        'cli',
        '--network-mode',
        'host',
        '--cpu',
        '256',
        '--memory',
        '512',
        '--container-definitions',
        containers,
        '--tags',
        'key=team,value=web',
      ],
      ['ecs', 'RegisterTaskDefinition'],
    );
    const arn = registered.taskDefinition.taskDefinitionArn;
    expect(arn).toMatch(/^arn:aws:ecs:us-east-1:000000000000:task-definition\/cli:1$/);
    const described = await ok(
      ['ecs', 'describe-task-definition', '--task-definition', 'cli', '--include', 'TAGS'],
      ['ecs', 'DescribeTaskDefinition'],
    );
    expect(described.tags).toEqual([{ key: 'team', value: 'web' }]);
    expect(described.taskDefinition.cpu).toBe('256');
    const listed = await ok(
      ['ecs', 'list-task-definitions', '--family-prefix', 'cli', '--status', 'ACTIVE', '--sort', 'DESC'],
      ['ecs', 'ListTaskDefinitions'],
    );
    expect(listed.taskDefinitionArns).toEqual([arn]);
    await ok(
      ['ecs', 'tag-resource', '--resource-arn', arn, '--tags', 'key=deployed-by,value=cli'],
      ['ecs', 'TagResource'],
    );
    await ok(
      [
        'ecs',
        'create-service',
        '--cluster',
        'cli',
        '--service-name',
        'web',
        '--task-definition',
        arn,
        '--desired-count',
        '1',
        '--deployment-configuration',
        'deploymentCircuitBreaker={enable=true,rollback=true},maximumPercent=200,minimumHealthyPercent=100',
      ],
      ['ecs', 'CreateService'],
    );
    const updated = await ok(
      [
        'ecs',
        'update-service',
        '--cluster',
        'cli',
        '--service',
        'web',
        '--task-definition',
        arn,
        '--force-new-deployment',
      ],
      ['ecs', 'UpdateService'],
    );
    expect(updated.service.deployments[0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'IN_PROGRESS' });
    let taskArns: string[] = [];
    for (let i = 0; i < 150 && !taskArns.length; i++) {
      taskArns = (
        await ok(
          ['ecs', 'list-tasks', '--cluster', 'cli', '--family', 'cli', '--desired-status', 'RUNNING'],
          ['ecs', 'ListTasks'],
        )
      ).taskArns;
      if (!taskArns.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(taskArns.length).toBeGreaterThan(0);
    const tasks = await ok(
      ['ecs', 'describe-tasks', '--cluster', 'cli', '--tasks', ...taskArns],
      ['ecs', 'DescribeTasks'],
    );
    expect(tasks.tasks[0].taskDefinitionArn).toBe(arn);
    await ok(
      [
        'ecs',
        'list-tasks',
        '--cluster',
        'cli',
        '--started-by',
        updated.service.deployments[0].id,
        '--desired-status',
        'STOPPED',
      ],
      ['ecs', 'ListTasks'],
    );
    const services = await ok(
      ['ecs', 'describe-services', '--cluster', 'cli', '--services', 'web', 'gone', '--include', 'TAGS'],
      ['ecs', 'DescribeServices'],
    );
    expect(services.services.map((s: { serviceName: string }) => s.serviceName)).toEqual(['web']);
    expect(services.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:000000000000:service/cli/gone', reason: 'MISSING' },
    ]);
    const deregistered = await ok(
      ['ecs', 'deregister-task-definition', '--task-definition', arn],
      ['ecs', 'DeregisterTaskDefinition'],
    );
    expect(deregistered.taskDefinition.status).toBe('INACTIVE');
    await fails(['ecs', 'describe-task-definition', '--task-definition', 'nope:1'], 'ClientException');
    await fails(['ecs', 'describe-services', '--cluster', 'nowhere', '--services', 'web'], 'ClusterNotFoundException');
    await fails(
      ['ecs', 'update-service', '--cluster', 'cli', '--service', 'missing', '--desired-count', '1'],
      'ServiceNotFoundException',
    );
  }, 120_000);

  test('ECR GetAuthorizationToken', async () => {
    const out = await ok(['ecr', 'get-authorization-token'], ['ecr', 'GetAuthorizationToken']);
    const [user] = Buffer.from(out.authorizationData[0].authorizationToken, 'base64').toString().split(':');
    expect(user).toBe('AWS');
    expect(out.authorizationData[0].proxyEndpoint).toBe('http://localhost:5000');
  });

  test('Secrets Manager: versions and staging labels, DescribeSecret, errors', async () => {
    const created = await ok(
      ['secretsmanager', 'create-secret', '--name', 'cli/db', '--secret-string', 'one'],
      ['secretsmanager', 'CreateSecret'],
    );
    const put = await ok(
      ['secretsmanager', 'put-secret-value', '--secret-id', 'cli/db', '--secret-string', 'two'],
      ['secretsmanager', 'PutSecretValue'],
    );
    expect(put.VersionStages).toEqual(['AWSCURRENT']);
    const current = await ok(
      ['secretsmanager', 'get-secret-value', '--secret-id', created.ARN],
      ['secretsmanager', 'GetSecretValue'],
    );
    expect(current).toMatchObject({ SecretString: 'two', VersionId: put.VersionId, VersionStages: ['AWSCURRENT'] });
    const previous = await ok(
      ['secretsmanager', 'get-secret-value', '--secret-id', 'cli/db', '--version-stage', 'AWSPREVIOUS'],
      ['secretsmanager', 'GetSecretValue'],
    );
    expect(previous).toMatchObject({
      SecretString: 'one',
      VersionId: created.VersionId,
      VersionStages: ['AWSPREVIOUS'],
    });
    const byId = await ok(
      ['secretsmanager', 'get-secret-value', '--secret-id', 'cli/db', '--version-id', created.VersionId],
      ['secretsmanager', 'GetSecretValue'],
    );
    expect(byId.SecretString).toBe('one');
    const described = await ok(
      ['secretsmanager', 'describe-secret', '--secret-id', 'cli/db'],
      ['secretsmanager', 'DescribeSecret'],
    );
    expect(described.VersionIdsToStages).toEqual({
      [created.VersionId]: ['AWSPREVIOUS'],
      [put.VersionId]: ['AWSCURRENT'],
    });
    const missing = await fails(
      ['secretsmanager', 'get-secret-value', '--secret-id', 'cli/none'],
      'ResourceNotFoundException',
    );
    // botocore reads the message from `Message`: an emulator answering `message` printed an empty one.
    expect(missing).toContain("Secrets Manager can't find the specified secret.");
    await fails(
      ['secretsmanager', 'get-secret-value', '--secret-id', 'cli/db', '--version-stage', 'AWSPENDING'],
      'ResourceNotFoundException',
    );
  });

  test('SSM: SecureString decrypted only with --with-decryption, lookup by ARN, GetParameters', async () => {
    await ok(
      ['ssm', 'put-parameter', '--name', '/cli/token', '--value', 'hunter2', '--type', 'SecureString'],
      ['ssm', 'PutParameter'],
    );
    const hidden = await ok(['ssm', 'get-parameter', '--name', '/cli/token'], ['ssm', 'GetParameter']);
    expect(hidden.Parameter.Value).not.toContain('hunter2');
    const shown = await ok(
      ['ssm', 'get-parameter', '--name', '/cli/token', '--with-decryption'],
      ['ssm', 'GetParameter'],
    );
    expect(shown.Parameter).toMatchObject({ Value: 'hunter2', Type: 'SecureString', Version: 1 });
    const byArn = await ok(
      ['ssm', 'get-parameter', '--name', shown.Parameter.ARN, '--with-decryption'],
      ['ssm', 'GetParameter'],
    );
    expect(byArn.Parameter.Name).toBe('/cli/token');
    const many = await ok(
      ['ssm', 'get-parameters', '--names', '/cli/token', '/cli/missing', '--with-decryption'],
      ['ssm', 'GetParameters'],
    );
    expect(many.Parameters.map((p: { Value: string }) => p.Value)).toEqual(['hunter2']);
    expect(many.InvalidParameters).toEqual(['/cli/missing']);
    await fails(['ssm', 'get-parameter', '--name', '/cli/missing'], 'ParameterNotFound');
  });

  test('IAM role with a GitHub OIDC trust policy and STS AssumeRoleWithWebIdentity', async () => {
    const github = oidcIssuer();
    await fetch(`${emulator.endpoint}/_emulator/oidc/keys`, {
      method: 'POST',
      body: JSON.stringify({ issuer: GITHUB_ISSUER, keys: github.jwks.keys }),
    });
    const provider = await ok([
      'iam',
      'create-open-id-connect-provider',
      '--url',
      GITHUB_ISSUER,
      '--client-id-list',
      'sts.amazonaws.com',
      '--thumbprint-list',
      '6938fd4d98bab03faadb97b34396831e3780aea1',
    ]);
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: provider.OpenIDConnectProviderArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
            StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:org/app:environment:staging' },
          },
        },
      ],
    };
    const role = await ok([
      'iam',
      'create-role',
      '--role-name',
      'cli-deploy',
      '--assume-role-policy-document',
      JSON.stringify(policy),
    ]);
    expect(role.Role.Arn).toBe('arn:aws:iam::000000000000:role/cli-deploy');
    // botocore decodes the URL-encoded document IAM returns.
    expect((await ok(['iam', 'get-role', '--role-name', 'cli-deploy'])).Role.AssumeRolePolicyDocument).toEqual(policy);
    const assume = (sub: string) => [
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      role.Role.Arn,
      '--role-session-name',
      'cli',
      '--web-identity-token',
      github.token({ sub }),
    ];
    const assumed = await ok(assume('repo:org/app:environment:staging'));
    expect(assumed.AssumedRoleUser.Arn).toBe('arn:aws:sts::000000000000:assumed-role/cli-deploy/cli');
    expect(assumed.Credentials.AccessKeyId).toMatch(/^ASIA/);
    const denied = await fails(assume('repo:org/app:environment:production'), 'AccessDenied');
    expect(denied).toContain('Not authorized to perform sts:AssumeRoleWithWebIdentity');
    const me = await ok(['sts', 'get-caller-identity']);
    expect(me.Account).toBe('000000000000');
  });
});
