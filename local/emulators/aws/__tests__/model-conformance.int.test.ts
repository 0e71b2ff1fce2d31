/**
 * Every ECS, ECR, Secrets Manager and SSM operation the suite calls (actions/ and shared/, plus the
 * CreateCluster/CreateService the tests and the pipeline set up with), driven with the unmodified
 * SDK v3 clients against a real emulator process, success and error cases; every raw request and
 * response validated against AWS's published models (testing/aws-model.ts).
 */
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { checkError, checkInput, checkOutput, type ServiceName } from '../testing/aws-model.js';
import { testImages } from '../testing/images.js';
import { type EmulatorProcess, startEmulatorProcess } from '../testing/process.js';
import { recordingHandler } from '../testing/recorder.js';

const SERVICE_OF: Record<string, ServiceName> = {
  AmazonEC2ContainerServiceV20141113: 'ecs',
  AmazonEC2ContainerRegistry_V20150921: 'ecr',
  secretsmanager: 'secretsmanager',
  AmazonSSM: 'ssm',
};

let emulator: EmulatorProcess;
let image: string;
let crash: string;
const { handler, exchanges } = recordingHandler();
const config = () => ({
  region: 'us-east-1',
  endpoint: emulator.endpoint,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy' },
  requestHandler: handler,
  maxAttempts: 1,
});
let ecs: ECSClient;
let ecr: ECRClient;
let sm: SecretsManagerClient;
let ssm: SSMClient;

beforeAll(async () => {
  let images: Awaited<ReturnType<typeof testImages>>;
  [emulator, images] = await Promise.all([
    startEmulatorProcess(['--tick-ms', '200', '--host-ports', '32300-32399', '--health-interval-cap-ms', '500']),
    testImages(),
  ]);
  image = images.v1;
  crash = images.crash;
  ecs = new ECSClient(config());
  ecr = new ECRClient(config());
  sm = new SecretsManagerClient(config());
  ssm = new SSMClient(config());
}, 300_000);

afterAll(async () => {
  for (const client of [ecs, ecr, sm, ssm]) client?.destroy();
  await emulator?.stop();
});

const control = (path: string, body: unknown) =>
  fetch(`${emulator.endpoint}/_emulator/${path}`, { method: 'POST', body: JSON.stringify(body) });

/** Runs `send` expecting the error `name`; the exchange is validated with the others. */
async function rejects(name: string, send: () => Promise<unknown>): Promise<void> {
  await expect(send()).rejects.toMatchObject({ name });
}

/** Every problem of every recorded exchange, as `Operation (status): problem` lines. */
function problems(): string[] {
  return exchanges.flatMap((x) => {
    const service = SERVICE_OF[x.target.slice(0, x.target.indexOf('.'))];
    if (!service) return [`${x.target}: unknown target`];
    const request = checkInput(service, x.operation, x.request);
    const response =
      x.status === 200
        ? checkOutput(service, x.operation, x.response)
        : checkError(service, x.operation, x.status, x.response);
    return [...request.map((p) => `request ${p}`), ...response].map((p) => `${x.operation} (${x.status}): ${p}`);
  });
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('responses of every operation the suite calls conform to the published models', () => {
  test('ECS: task definitions, services, tasks, tags; success and errors', async () => {
    const cluster = 'conformance';
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'conformance',
        networkMode: 'host',
        requiresCompatibilities: ['EC2'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: 'app',
            image,
            essential: true,
            portMappings: [{ containerPort: 8080 }],
            environment: [{ name: 'APP', value: 'conformance' }],
            secrets: [{ name: 'TOKEN', valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/conformance/token' }],
            healthCheck: {
              command: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:$PORT/health || exit 1'],
              interval: 5,
              timeout: 2,
              retries: 2,
            },
          },
        ],
        tags: [{ key: 'team', value: 'web' }],
      }),
    );
    const arn = registered.taskDefinition!.taskDefinitionArn!;
    await ssm.send(new PutParameterCommand({ Name: '/conformance/token', Value: 's3cret', Type: 'SecureString' }));
    await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'conformance', include: ['TAGS'] }));
    await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'conformance', status: 'ACTIVE', sort: 'DESC' }));
    await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'deployed-by', value: 'test' }] }));
    await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'web',
        taskDefinition: arn,
        desiredCount: 1,
        deploymentConfiguration: {
          minimumHealthyPercent: 100,
          maximumPercent: 200,
          deploymentCircuitBreaker: { enable: true, rollback: true },
        },
      }),
    );
    const second = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'conformance',
        networkMode: 'host',
        containerDefinitions: [{ name: 'app', image, essential: true, portMappings: [{ containerPort: 8080 }] }],
      }),
    );
    const updated = await ecs.send(
      new UpdateServiceCommand({ cluster, service: 'web', taskDefinition: second.taskDefinition!.taskDefinitionArn }),
    );
    const deploymentId = updated.service!.deployments![0]!.id!;
    await until('a running task', async () => {
      const { taskArns } = await ecs.send(
        new ListTasksCommand({ cluster, family: 'conformance', desiredStatus: 'RUNNING' }),
      );
      if (!taskArns?.length) return undefined;
      const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
      return tasks?.some((t) => t.lastStatus === 'RUNNING') ? true : undefined;
    });
    await ecs.send(new DescribeServicesCommand({ cluster, services: ['web'], include: ['TAGS'] }));
    await ecs.send(
      new ListTasksCommand({ cluster, startedBy: deploymentId, desiredStatus: 'STOPPED', maxResults: 100 }),
    );
    await ecs.send(new DescribeServicesCommand({ cluster, services: ['web', 'missing'] }));
    // A crash-looping deployment: stopped tasks (stopCode, exit code, reason), failedTasks, events.
    const crashing = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'conformance',
        networkMode: 'host',
        containerDefinitions: [{ name: 'app', image: crash, essential: true, portMappings: [{ containerPort: 8080 }] }],
      }),
    );
    const failing = await ecs.send(
      new UpdateServiceCommand({ cluster, service: 'web', taskDefinition: crashing.taskDefinition!.taskDefinitionArn }),
    );
    const failingId = failing.service!.deployments![0]!.id!;
    const stopped = await until('a stopped task of the crashing deployment', async () => {
      const { taskArns } = await ecs.send(
        new ListTasksCommand({ cluster, startedBy: failingId, desiredStatus: 'STOPPED', maxResults: 100 }),
      );
      return taskArns?.length ? taskArns : undefined;
    });
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: stopped }));
    expect(tasks?.[0]?.lastStatus).toBe('STOPPED');
    await ecs.send(new DescribeServicesCommand({ cluster, services: ['web'], include: ['TAGS'] }));
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));

    await rejects('ClientException', () => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope:1' })));
    await rejects('ClusterNotFoundException', () =>
      ecs.send(new DescribeServicesCommand({ cluster: 'nowhere', services: ['web'] })),
    );
    await rejects('ServiceNotFoundException', () =>
      ecs.send(new UpdateServiceCommand({ cluster, service: 'missing', desiredCount: 1 })),
    );
    await rejects('ClusterNotFoundException', () => ecs.send(new ListTasksCommand({ cluster: 'nowhere' })));
    await control('faults', { type: 'error', operation: 'DescribeServices', count: 1, status: 500 });
    await rejects('ServerException', () => ecs.send(new DescribeServicesCommand({ cluster, services: ['web'] })));
    await control('faults', { type: 'throttle', operation: 'ListTaskDefinitions', count: 1 });
    await rejects('ThrottlingException', () => ecs.send(new ListTaskDefinitionsCommand({})));
    expect(exchanges.length).toBeGreaterThan(15);
    expect(problems()).toEqual([]);
  }, 120_000);

  test('ECR, Secrets Manager, SSM: success, errors, injected server faults', async () => {
    await ecr.send(new GetAuthorizationTokenCommand({}));
    await control('faults', { type: 'error', operation: 'ecr', count: 1, status: 500 });
    await rejects('ServerException', () => ecr.send(new GetAuthorizationTokenCommand({})));

    await sm.send(new CreateSecretCommand({ Name: 'conformance/db', SecretString: '{"url":"postgres://a"}' }));
    await sm.send(new PutSecretValueCommand({ SecretId: 'conformance/db', SecretString: '{"url":"postgres://b"}' }));
    await sm.send(new GetSecretValueCommand({ SecretId: 'conformance/db' }));
    await sm.send(new GetSecretValueCommand({ SecretId: 'conformance/db', VersionStage: 'AWSPREVIOUS' }));
    await sm.send(new DescribeSecretCommand({ SecretId: 'conformance/db' }));
    await rejects('ResourceNotFoundException', () => sm.send(new GetSecretValueCommand({ SecretId: 'missing' })));
    await rejects('ResourceExistsException', () =>
      sm.send(new CreateSecretCommand({ Name: 'conformance/db', SecretString: 'x' })),
    );
    await control('faults', { type: 'error', operation: 'secretsmanager', count: 1, status: 500 });
    await rejects('InternalServiceError', () => sm.send(new GetSecretValueCommand({ SecretId: 'conformance/db' })));

    await ssm.send(new PutParameterCommand({ Name: '/conformance/plain', Value: 'v', Type: 'String' }));
    await ssm.send(new GetParameterCommand({ Name: '/conformance/plain' }));
    await ssm.send(new GetParameterCommand({ Name: '/conformance/plain', WithDecryption: true }));
    await ssm.send(new GetParametersCommand({ Names: ['/conformance/plain', '/conformance/missing'] }));
    await rejects('ParameterNotFound', () => ssm.send(new GetParameterCommand({ Name: '/conformance/missing' })));
    await rejects('ParameterAlreadyExists', () =>
      ssm.send(new PutParameterCommand({ Name: '/conformance/plain', Value: 'w', Type: 'String' })),
    );
    await control('faults', { type: 'error', operation: 'ssm', count: 1, status: 500 });
    await rejects('InternalServerError', () => ssm.send(new GetParameterCommand({ Name: '/conformance/plain' })));
    expect(problems()).toEqual([]);
  }, 60_000);

  test('requests that do not fit the input shape are refused before anything happens', async () => {
    const raw = async (target: string, body: unknown) => {
      const res = await fetch(emulator.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': target,
          authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/ecs/aws4_request',
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    };
    const container = { name: 'app', image: 'img:1' };
    const cpuAsNumber = await raw('AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition', {
      family: 'mistyped',
      cpu: 256,
      containerDefinitions: [container],
    });
    expect(cpuAsNumber).toEqual({
      status: 400,
      body: {
        __type: 'SerializationException',
        message: expect.stringContaining('RegisterTaskDefinition.cpu: expected a string'),
      },
    });
    const unknown = await raw('AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition', {
      family: 'mistyped',
      containerDefinitions: [{ ...container, imagePullPolicy: 'always' }],
    });
    expect(unknown.body.__type).toBe('SerializationException');
    expect(unknown.body.message).toContain('containerDefinitions[0].imagePullPolicy: unknown member');
    const missing = await raw('AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition', { family: 'mistyped' });
    expect(missing.body).toMatchObject({ __type: 'InvalidParameterException' });
    const badEnum = await raw('AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition', {
      family: 'mistyped',
      networkMode: 'bridged',
      containerDefinitions: [container],
    });
    expect(badEnum.body.message).toContain('"bridged" is not one of');
    // Nothing was stored: the family has no revision.
    const list = await raw('AmazonEC2ContainerServiceV20141113.ListTaskDefinitions', { familyPrefix: 'mistyped' });
    expect(list).toEqual({ status: 200, body: { taskDefinitionArns: [] } });
    const eleven = Array.from({ length: 11 }, (_, i) => `s${i}`);
    const tooMany = await raw('AmazonEC2ContainerServiceV20141113.DescribeServices', { services: eleven });
    expect(tooMany.body).toMatchObject({
      __type: 'InvalidParameterException',
      message: expect.stringContaining('at most 10'),
    });
    const ssmMissing = await raw('AmazonSSM.GetParameters', {});
    expect(ssmMissing.body).toMatchObject({ __type: 'ValidationException' });
    const smWrong = await raw('secretsmanager.GetSecretValue', { SecretId: 42 });
    // A protocol error is not one of Secrets Manager's modeled errors: lower-case `message`.
    expect(smWrong.body).toMatchObject({ __type: 'SerializationException', message: expect.any(String) });
  });
});
