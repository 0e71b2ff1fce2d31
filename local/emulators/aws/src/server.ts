/**
 * The AWS emulator's HTTP endpoint: AWS JSON 1.1 (`X-Amz-Target`) for ECS, ECR auth, Secrets
 * Manager, SSM parameters and CloudWatch Logs on one port, plus plain JSON control endpoints under `/_emulator/`
 * (faults, reset, seeded secrets, request statistics) for tests.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceName } from '../testing/aws-model.js';
import { ecr } from './ecr.js';
import { AwsLogsDriver, Ecs, type EcsOptions } from './ecs/index.js';
import { ecsLoadBalancing, loadBalancerProblems } from './elbv2/ecs-seam.js';
import { Elbv2 } from './elbv2/elbv2.js';
import { isQueryRequest, serveQuery } from './elbv2/http.js';
import { AwsError } from './errors.js';
import { serveIamSts } from './iam/http.js';
import { Iam } from './iam/iam.js';
import { queryService } from './iam/query.js';
import { Sts } from './iam/sts.js';
import { Logs } from './logs.js';
import { invalidInput, messageKey, SERVER_FAULT } from './model-check.js';
import { SecretsManager } from './secrets-manager.js';
import { type ParameterType, Ssm } from './ssm.js';

// biome-ignore lint/suspicious/noExplicitAny: wire-format documents are open-ended JSON
type Json = Record<string, any>;

export interface EmulatorOptions {
  port?: number;
  host?: string;
  region?: string;
  accountId?: string;
  tickMs?: number;
  hostPortRange?: [number, number];
  healthIntervalCapMs?: number;
  /** What ECR GetAuthorizationToken names as proxyEndpoint. */
  registry?: string;
}

/** A fault rule: matching requests are throttled, fail with a 5xx, or are slowed down. */
export interface FaultRule {
  type: 'throttle' | 'error' | 'delay';
  /** Operation name (`DescribeServices`), a target prefix service (`ecs`, `ecr`, `secretsmanager`, `ssm`), or `*`. */
  operation?: string;
  /** How many matching requests it applies to (default: until cleared). */
  count?: number;
  /** Applies to this fraction of matching requests (default 1). */
  probability?: number;
  /** For `error`: the HTTP status (default 500). */
  status?: number;
  /** For `delay`: milliseconds before the request is handled. */
  ms?: number;
}

const PREFIXES: Record<string, string> = {
  'AmazonEC2ContainerServiceV20141113.': 'ecs',
  'AmazonEC2ContainerRegistry_V20150921.': 'ecr',
  'secretsmanager.': 'secretsmanager',
  'AmazonSSM.': 'ssm',
  'Logs_20140328.': 'logs',
};

export class AwsEmulator {
  readonly ecs: Ecs;
  readonly elbv2: Elbv2;
  private server?: Server;
  private faults: FaultRule[] = [];
  readonly secrets: SecretsManager;
  readonly ssm: Ssm;
  readonly logs: Logs;
  readonly iam: Iam;
  readonly sts: Sts;
  private stats = {
    total: 0,
    byOperation: {} as Record<string, number>,
    byStatus: {} as Record<string, number>,
    since: Date.now(),
  };
  readonly options: Required<EmulatorOptions>;
  readonly instance = randomBytes(6).toString('hex');

  constructor(options: EmulatorOptions = {}) {
    this.options = {
      port: options.port ?? 4566,
      host: options.host ?? '127.0.0.1',
      region: options.region ?? 'us-east-1',
      accountId: options.accountId ?? '000000000000',
      tickMs: options.tickMs ?? 1000,
      hostPortRange: options.hostPortRange ?? [20000, 29999],
      healthIntervalCapMs: options.healthIntervalCapMs ?? 5000,
      registry: options.registry ?? 'http://localhost:5000',
    };
    const ecsOptions: EcsOptions = {
      region: this.options.region,
      accountId: this.options.accountId,
      tickMs: this.options.tickMs,
      hostPortRange: this.options.hostPortRange,
      healthIntervalCapMs: this.options.healthIntervalCapMs,
      instanceLabel: `org.deploy-actions.aws-emulator=${this.instance}`,
      resolveSecret: (valueFrom) => this.resolveSecret(valueFrom),
      checkLoadBalancers: (lbs, containers) => loadBalancerProblems(this.elbv2, lbs, containers)[0],
    };
    this.ecs = new Ecs(ecsOptions);
    this.elbv2 = new Elbv2(this.options);
    this.ecs.setLoadBalancing(ecsLoadBalancing(this.elbv2));
    this.secrets = new SecretsManager(this.options.region, this.options.accountId);
    this.ssm = new Ssm(this.options.region, this.options.accountId);
    this.logs = new Logs(this.options.region, this.options.accountId);
    this.ecs.setLogDriver(new AwsLogsDriver(this.logs));
    this.iam = new Iam(this.options.accountId);
    this.sts = new Sts(this.iam);
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  get endpoint(): string {
    return `http://${this.options.host}:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(error) }));
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host, () => resolve());
    });
    this.ecs.start();
    await this.elbv2.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.ecs.close();
    await this.elbv2.close();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ------------------------------------------------------------------ routing

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname.startsWith('/_emulator/')) return this.control(req.method ?? 'GET', url.pathname, body, res);
    // IAM and STS (Query protocol too) are told from other Query services by their API version.
    const iamOrSts = queryService(req.headers['content-type'], body);
    if (iamOrSts) return void (await serveIamSts(iamOrSts, this.iam, this.sts, req.headers, body, res));
    // ELBv2 speaks the Query protocol (form-encoded Action=...), the other services JSON 1.1.
    if (isQueryRequest(req.headers['content-type'], body))
      return void (await serveQuery(this.elbv2, req.headers, body, res));
    const target = String(req.headers['x-amz-target'] ?? '');
    const prefix = Object.keys(PREFIXES).find((p) => target.startsWith(p));
    const operation = prefix ? target.slice(prefix.length) : target;
    this.stats.total++;
    this.stats.byOperation[operation || '(none)'] = (this.stats.byOperation[operation || '(none)'] ?? 0) + 1;
    const send = (status: number, payload: Json, errorType?: string) => {
      this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
      const headers: Record<string, string> = {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomUUID(),
      };
      if (errorType) headers['x-amzn-errortype'] = errorType;
      res.writeHead(status, headers);
      res.end(JSON.stringify(payload));
    };
    const service = prefix ? (PREFIXES[prefix] as ServiceName) : undefined;
    const fail = (error: AwsError) => {
      const key = service ? messageKey(service, error.type) : 'message';
      send(error.status, { __type: error.type, [key]: error.message }, error.type);
    };
    if (req.method !== 'POST' || !prefix) {
      return fail(new AwsError('UnknownOperationException', `Unknown X-Amz-Target ${JSON.stringify(target)}`));
    }
    if (!req.headers.authorization) {
      return fail(new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 400));
    }
    if (!service) throw new Error('unreachable: no service for a known prefix');
    const fault = this.takeFault(operation, service);
    if (fault?.type === 'delay') await new Promise((r) => setTimeout(r, fault.ms ?? 1000));
    if (fault?.type === 'throttle') return fail(new AwsError('ThrottlingException', 'Rate exceeded', 400));
    if (fault?.type === 'error') {
      const status = fault.status ?? 500;
      return fail(new AwsError(SERVER_FAULT[service], `Injected fault: HTTP ${status}`, status));
    }
    let input: Json;
    try {
      input = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return fail(new AwsError('SerializationException', 'Could not parse the request body as JSON'));
    }
    const rejected = invalidInput(service, operation, input);
    if (rejected) return fail(rejected);
    try {
      const output = await this.dispatch(service, operation, input);
      send(200, output);
    } catch (error) {
      if (error instanceof AwsError) return fail(error);
      console.error(`[aws-emulator] ${operation} failed:`, error);
      return fail(new AwsError(SERVER_FAULT[service], String(error), 500));
    }
  }

  private dispatch(service: ServiceName, operation: string, input: Json): Promise<Json> | Json {
    if (service === 'ecs') return this.ecs.handle(operation, input);
    if (service === 'ecr') return ecr(operation, input, this.options.registry);
    if (service === 'secretsmanager') return this.secrets.handle(operation, input);
    if (service === 'logs') return this.logs.handle(operation, input);
    return this.ssm.handle(operation, input);
  }

  private takeFault(operation: string, service: string): FaultRule | undefined {
    const index = this.faults.findIndex(
      (f) =>
        (!f.operation || f.operation === '*' || f.operation === operation || f.operation === service) &&
        (f.probability === undefined || Math.random() < f.probability),
    );
    if (index < 0) return undefined;
    const rule = this.faults[index]!;
    if (rule.count !== undefined && --rule.count <= 0) this.faults.splice(index, 1);
    return rule;
  }

  /** `valueFrom` of a task definition secret: an SSM parameter (name or ARN) or a Secrets Manager secret. */
  resolveSecret(valueFrom: string): string | undefined {
    if (valueFrom.startsWith('arn:aws:ssm:')) return this.ssm.resolve(valueFrom);
    if (valueFrom.startsWith('arn:')) return this.secrets.resolve(valueFrom);
    return this.ssm.resolve(valueFrom) ?? this.ssm.resolve(`/${valueFrom}`) ?? this.secrets.resolve(valueFrom);
  }

  // ------------------------------------------------------------------ control endpoints

  private async control(method: string, path: string, body: Buffer, res: ServerResponse): Promise<void> {
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    let input: Json = {};
    try {
      input = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return reply(400, { message: 'body is not JSON' });
    }
    const key = `${method} ${path}`;
    try {
      switch (key) {
        case 'GET /_emulator/health':
          return reply(200, { ok: true, pid: process.pid, port: this.port, instance: this.instance });
        case 'POST /_emulator/reset':
          await this.ecs.clear();
          await this.elbv2.clear();
          this.faults = [];
          this.secrets.clear();
          this.ssm.clear();
          this.logs.clear();
          this.iam.clear();
          this.sts.clear();
          this.stats = { total: 0, byOperation: {}, byStatus: {}, since: Date.now() };
          return reply(200, { ok: true });
        case 'GET /_emulator/faults':
          return reply(200, { rules: this.faults });
        case 'POST /_emulator/faults': {
          const rules: FaultRule[] = Array.isArray(input.rules) ? input.rules : [input as FaultRule];
          for (const rule of rules) {
            if (!['throttle', 'error', 'delay'].includes(rule.type)) {
              return reply(400, { message: 'type must be throttle, error or delay' });
            }
          }
          this.faults.push(...rules.map((r) => ({ ...r })));
          return reply(200, { rules: this.faults });
        }
        case 'DELETE /_emulator/faults':
          this.faults = [];
          return reply(200, { rules: [] });
        case 'GET /_emulator/stats':
          return reply(200, this.stats);
        case 'POST /_emulator/stats/reset':
          this.stats = { total: 0, byOperation: {}, byStatus: {}, since: Date.now() };
          return reply(200, this.stats);
        case 'POST /_emulator/secrets': {
          const { secret, version } = this.secrets.put(String(input.name), String(input.value ?? ''));
          return reply(200, { arn: secret.arn, name: secret.name, versionId: version.id });
        }
        case 'POST /_emulator/parameters': {
          const name = String(input.name);
          const version = this.ssm.put(
            name,
            String(input.value ?? ''),
            (input.type ?? 'SecureString') as ParameterType,
          );
          return reply(200, { name, version, arn: this.ssm.arn(name) });
        }
        case 'POST /_emulator/oidc/keys': {
          // The verification keys of an OIDC issuer: a JWKS (`keys`) or a URL serving one (`jwksUri`).
          const issuer = String(input.issuer ?? '');
          if (!issuer.startsWith('https://') || !(Array.isArray(input.keys) || typeof input.jwksUri === 'string')) {
            return reply(400, { message: 'expected { issuer: "https://...", keys: [JWK...] } or { issuer, jwksUri }' });
          }
          this.iam.keys.set(issuer.replace(/\/$/, ''), { keys: input.keys, jwksUri: input.jwksUri });
          return reply(200, { issuer });
        }
        case 'POST /_emulator/tasks/crash':
          return reply(200, {
            killed: await this.ecs.crashTasks(String(input.cluster ?? 'default'), String(input.service)),
          });
        case 'POST /_emulator/config':
          if (typeof input.tickMs === 'number') this.ecs.setTickMs(input.tickMs);
          return reply(200, { tickMs: this.ecs.options.tickMs });
        default:
          return reply(404, { message: `no control endpoint ${key}` });
      }
    } catch (error) {
      return reply(error instanceof AwsError ? 400 : 500, { message: String((error as Error).message ?? error) });
    }
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<AwsEmulator> {
  return new AwsEmulator(options).start();
}
