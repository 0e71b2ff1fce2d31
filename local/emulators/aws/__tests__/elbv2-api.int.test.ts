/**
 * ELBv2 in the AWS emulator with HAProxy as its data plane: the SDK v3 client and the AWS CLI
 * against the Query protocol, responses checked against AWS's model, target health read from
 * HAProxy's checks, weighted forwarding measured by requests, draining, errors as ELBv2 gives them.
 * A private HAProxy (local/infra/haproxy.sh with its own state folder and ports) serves this file.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  type TargetHealthStateEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Elbv2 } from '../src/elbv2/elbv2.js';
import { type AwsEmulator, startEmulator } from '../src/server.js';
import { checkQueryError, checkQueryOutput } from '../testing/aws-query-model.js';

const ROOT = join(import.meta.dirname, '../../../..');
const HAPROXY_SH = join(ROOT, 'local/infra/haproxy.sh');
const PORTS = [18170, 18177] as const;
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy' };

let state: string;
let haproxyEnv: NodeJS.ProcessEnv;
let emulator: AwsEmulator;
let elb: ElasticLoadBalancingV2Client;
const apps: App[] = [];

/** A target: answers its name, `/health` with `healthStatus`, `/slow` after `slowMs`. */
interface App {
  name: string;
  port: number;
  server: Server;
  healthStatus: number;
  slowMs: number;
  hits: number;
}

async function startApp(name: string): Promise<App> {
  const app = { name, healthStatus: 200, slowMs: 1000, hits: 0 } as App;
  app.server = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(app.healthStatus).end();
      return;
    }
    app.hits++;
    const answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end(name);
    if (req.url === '/slow') setTimeout(answer, app.slowMs);
    else answer();
  });
  await new Promise<void>((r) => app.server.listen(0, '127.0.0.1', r));
  app.port = (app.server.address() as AddressInfo).port;
  apps.push(app);
  return app;
}

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'elbv2-haproxy-'));
  haproxyEnv = {
    ...process.env,
    HAPROXY_STATE_DIR: state,
    HAPROXY_LISTENER_PORTS: PORTS.join('-'),
    HAPROXY_BACKENDS: '8',
  };
  execFileSync('bash', [HAPROXY_SH, 'up'], { env: haproxyEnv, stdio: 'pipe' });
  process.env.ELBV2_HAPROXY_INFO = join(state, 'haproxy.json');
  emulator = await startEmulator({ port: 0, tickMs: 200, healthIntervalCapMs: 300, hostPortRange: [32200, 32299] });
  elb = new ElasticLoadBalancingV2Client({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials,
    maxAttempts: 2,
  });
}, 60_000);

afterAll(async () => {
  elb?.destroy();
  await emulator?.stop();
  for (const app of apps) app.server.closeAllConnections();
  await Promise.all(apps.map((a) => new Promise((r) => a.server.close(r))));
  if (state) {
    execFileSync('bash', [HAPROXY_SH, 'down'], { env: haproxyEnv, stdio: 'pipe' });
    rmSync(state, { recursive: true, force: true });
  }
  delete process.env.ELBV2_HAPROXY_INFO;
});

/** A raw Query request, as the SDK sends it but without its parsing, for the XML checks. */
async function query(
  action: string,
  params: Record<string, string | number> = {},
): Promise<{ status: number; xml: string }> {
  const body = new URLSearchParams({ Action: action, Version: '2015-12-01' });
  for (const [k, v] of Object.entries(params)) body.set(k, String(v));
  const res = await fetch(emulator.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: 'AWS4-HMAC-SHA256 test',
    },
    body,
  });
  return { status: res.status, xml: await res.text() };
}

/** An error answer checked against the model (the operation's errors or Query's common ones), with its code and type. */
const errorOf = (operation: string, res: { status: number; xml: string }) => ({
  problems: checkQueryError('elbv2', operation, res.status, res.xml),
  code: /<Code>([^<]*)</.exec(res.xml)?.[1],
  type: /<Type>([^<]*)</.exec(res.xml)?.[1],
});

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function health(tg: string, app?: App) {
  const out = await elb.send(
    new DescribeTargetHealthCommand({
      TargetGroupArn: tg,
      Targets: app ? [{ Id: '127.0.0.1', Port: app.port }] : undefined,
    }),
  );
  return out.TargetHealthDescriptions ?? [];
}

const stateOf = async (tg: string, app: App, wanted: TargetHealthStateEnum) => {
  const [d] = await health(tg, app);
  return d?.TargetHealth?.State === wanted ? d.TargetHealth : undefined;
};

async function targetGroup(name: string, settings: Record<string, unknown> = {}) {
  const out = await elb.send(
    new CreateTargetGroupCommand({
      Name: name,
      Protocol: 'HTTP',
      Port: 80,
      VpcId: 'vpc-1',
      TargetType: 'ip',
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 2,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
      ...settings,
    }),
  );
  return out.TargetGroups![0]!.TargetGroupArn!;
}

const register = (tg: string, ...targets: App[]) =>
  elb.send(
    new RegisterTargetsCommand({
      TargetGroupArn: tg,
      Targets: targets.map((a) => ({ Id: '127.0.0.1', Port: a.port })),
    }),
  );

async function get(port: number, path = '/'): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await res.text();
  return res.ok ? text : `HTTP ${res.status}`;
}

let lbArn: string;

describe('wire protocol', () => {
  test('CreateLoadBalancer, CreateTargetGroup, DescribeTargetGroups answer XML that conforms to the model', async () => {
    const lb = await query('CreateLoadBalancer', {
      Name: 'web',
      'Subnets.member.1': 'subnet-a',
      'Subnets.member.2': 'subnet-b',
    });
    expect(lb.status).toBe(200);
    expect(lb.xml).toContain(
      '<CreateLoadBalancerResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">',
    );
    expect(checkQueryOutput('elbv2', 'CreateLoadBalancer', lb.xml)).toEqual([]);
    const tg = await query('CreateTargetGroup', {
      Name: 'wire',
      Protocol: 'HTTP',
      Port: 80,
      VpcId: 'vpc-1',
      'Matcher.HttpCode': '200',
    });
    expect(checkQueryOutput('elbv2', 'CreateTargetGroup', tg.xml)).toEqual([]);
    const arn = /<TargetGroupArn>([^<]+)</.exec(tg.xml)![1]!;
    for (const [action, params] of [
      ['DescribeLoadBalancers', {}],
      ['DescribeTargetGroups', { 'TargetGroupArns.member.1': arn }],
      ['DescribeTargetGroupAttributes', { TargetGroupArn: arn }],
      ['DescribeTargetHealth', { TargetGroupArn: arn, 'Targets.member.1.Id': '127.0.0.1', 'Targets.member.1.Port': 9 }],
    ] as const) {
      const res = await query(action, params);
      expect([action, res.status, checkQueryOutput('elbv2', action, res.xml)]).toEqual([action, 200, []]);
    }
  });

  test('errors are <ErrorResponse> with Type Sender and the ELBv2 code', async () => {
    const missing = await query('RegisterTargets', {
      TargetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/none/0123456789abcdef',
      'Targets.member.1.Id': '127.0.0.1',
    });
    expect(missing.status).toBe(400);
    expect(errorOf('RegisterTargets', missing)).toEqual({ problems: [], code: 'TargetGroupNotFound', type: 'Sender' });
    const invalid = await query('CreateTargetGroup', { Name: 'bad', Port: 80, HealthCheckIntervalSeconds: 2 });
    expect(errorOf('CreateTargetGroup', invalid)).toMatchObject({ problems: [], code: 'ValidationError' });
    expect(invalid.xml).toContain('HealthCheckIntervalSeconds');
    const unknown = await query('FlyToTheMoon');
    expect(errorOf('FlyToTheMoon', unknown)).toMatchObject({ problems: [], code: 'InvalidAction' });
  });

  test('the AWS CLI works unchanged against the endpoint', async () => {
    const { stdout } = await promisify(execFile)(
      'aws',
      [
        'elbv2',
        'describe-target-groups',
        '--names',
        'wire',
        '--endpoint-url',
        emulator.endpoint,
        '--region',
        'us-east-1',
        '--output',
        'json',
      ],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'dummy' } },
    );
    expect(JSON.parse(stdout).TargetGroups[0]).toMatchObject({
      TargetGroupName: 'wire',
      Port: 80,
      HealthCheckPath: '/',
      Matcher: { HttpCode: '200' },
    });
  });
});

describe('target health and routing through HAProxy', () => {
  let tgA: string;
  let a1: App;
  let a2: App;
  let listenerArn: string;

  beforeAll(async () => {
    lbArn = (await elb.send(new CreateLoadBalancerCommand({ Name: 'web', Subnets: ['subnet-a'] }))).LoadBalancers![0]!
      .LoadBalancerArn!;
    [a1, a2] = await Promise.all([startApp('a1'), startApp('a2')]);
    tgA = await targetGroup('blue');
  });

  test('a target in a group no listener uses is unused (Target.NotInUse); one never registered is Target.NotRegistered', async () => {
    await register(tgA, a1);
    const [d] = await health(tgA, a1);
    expect(d!.TargetHealth).toMatchObject({ State: 'unused', Reason: 'Target.NotInUse' });
    const [other] = await health(tgA, a2);
    expect(other!.TargetHealth).toMatchObject({ State: 'unused', Reason: 'Target.NotRegistered' });
  });

  test('a listener routes to healthy targets; a new one is initial until its checks pass', async () => {
    const out = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Protocol: 'HTTP',
        Port: PORTS[0],
        DefaultActions: [{ Type: 'forward', TargetGroupArn: tgA }],
      }),
    );
    listenerArn = out.Listeners![0]!.ListenerArn!;
    await until('a1 healthy', () => stateOf(tgA, a1, 'healthy'));
    expect(await get(PORTS[0])).toBe('a1');
    await register(tgA, a2);
    const [fresh] = await health(tgA, a2);
    expect(fresh!.TargetHealth).toMatchObject({ State: 'initial' });
    expect(['Elb.RegistrationInProgress', 'Elb.InitialHealthChecking']).toContain(fresh!.TargetHealth!.Reason);
    await until('a2 healthy', () => stateOf(tgA, a2, 'healthy'));
    const answers = new Set(await Promise.all(Array.from({ length: 8 }, () => get(PORTS[0]))));
    expect([...answers].sort()).toEqual(['a1', 'a2']);
  });

  test('a target answering 503 to its checks turns unhealthy (Target.ResponseCodeMismatch) and gets no traffic', async () => {
    a2.healthStatus = 503;
    const th = await until('a2 unhealthy', () => stateOf(tgA, a2, 'unhealthy'));
    expect(th).toMatchObject({ Reason: 'Target.ResponseCodeMismatch', Description: expect.stringContaining('503') });
    const answers = await Promise.all(Array.from({ length: 6 }, () => get(PORTS[0])));
    expect(new Set(answers)).toEqual(new Set(['a1']));
    a2.healthStatus = 200;
    await until('a2 healthy again', () => stateOf(tgA, a2, 'healthy'));
  });

  test('a target nothing listens on is unhealthy with Target.FailedHealthChecks', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgA, Targets: [{ Id: '127.0.0.1', Port: port }] }));
    const dead = { port } as App;
    expect(await until('dead target unhealthy', () => stateOf(tgA, dead, 'unhealthy'))).toMatchObject({
      Reason: 'Target.FailedHealthChecks',
    });
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tgA, Targets: [{ Id: '127.0.0.1', Port: port }] }));
    // Deregistered with the default delay (300 s): draining, though HAProxy dropped it at once (no sessions).
    expect(await stateOf(tgA, dead, 'draining')).toMatchObject({ Reason: 'Target.DeregistrationInProgress' });
  });

  test('deregistration drains: in-flight requests finish, no new ones arrive, the target goes after the delay', async () => {
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tgA,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '5' }],
      }),
    );
    // Requests held by a2 while it drains.
    a2.slowMs = 1500;
    const inFlight = Array.from({ length: 6 }, () => get(PORTS[0], '/slow'));
    await new Promise((r) => setTimeout(r, 300));
    await elb.send(
      new DeregisterTargetsCommand({ TargetGroupArn: tgA, Targets: [{ Id: '127.0.0.1', Port: a2.port }] }),
    );
    const [d] = await health(tgA, a2);
    expect(d!.TargetHealth).toMatchObject({ State: 'draining', Reason: 'Target.DeregistrationInProgress' });
    const hitsBefore = a2.hits;
    expect(await Promise.all(Array.from({ length: 6 }, () => get(PORTS[0])))).toEqual(Array(6).fill('a1'));
    expect(a2.hits).toBe(hitsBefore);
    expect((await Promise.all(inFlight)).every((t) => t === 'a1' || t === 'a2')).toBe(true);
    await until('a2 deregistered', async () =>
      (await health(tgA, a2))[0]!.TargetHealth!.Reason === 'Target.NotRegistered' ? true : undefined,
    );
  });

  test('weighted forward: requests split by weight, then all to the new group (ModifyListener)', async () => {
    const b1 = await startApp('b1');
    const tgB = await targetGroup('green');
    await register(tgB, b1);
    const weighted = (a: number, b: number) => [
      {
        Type: 'forward' as const,
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: tgA, Weight: a },
            { TargetGroupArn: tgB, Weight: b },
          ],
        },
      },
    ];
    await elb.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: weighted(3, 1) }));
    await until('b1 healthy', () => stateOf(tgB, b1, 'healthy'));
    const answers = await Promise.all(Array.from({ length: 400 }, () => get(PORTS[0])));
    const toB = answers.filter((t) => t === 'b1').length;
    expect(answers.filter((t) => t !== 'a1' && t !== 'b1')).toEqual([]);
    // 25% of 400, binomial sd ~8.7: 60..140 is far outside chance.
    expect(toB).toBeGreaterThan(60);
    expect(toB).toBeLessThan(140);
    const out = await elb.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: weighted(0, 1) }));
    expect(out.Listeners![0]!.DefaultActions![0]!.ForwardConfig!.TargetGroups).toEqual([
      { TargetGroupArn: tgA, Weight: 0 },
      { TargetGroupArn: tgB, Weight: 1 },
    ]);
    expect(new Set(await Promise.all(Array.from({ length: 20 }, () => get(PORTS[0]))))).toEqual(new Set(['b1']));
  });

  test('listener rules: a path-pattern rule with a weighted forward, modified, listed before the default rule', async () => {
    const [tgBlue, tgGreen] = [tgA, await targetGroup('green')];
    await elb.send(
      new ModifyListenerCommand({
        ListenerArn: listenerArn,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: tgGreen }],
      }),
    );
    const created = await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: tgBlue, Weight: 1 }] } }],
      }),
    );
    const ruleArn = created.Rules![0]!.RuleArn!;
    expect(await get(PORTS[0], '/api/x')).toBe('a1');
    expect(await get(PORTS[0], '/other')).toBe('b1');
    await expect(
      elb.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: 10,
          Conditions: [{ Field: 'path-pattern', Values: ['/x'] }],
          Actions: [{ Type: 'forward', TargetGroupArn: tgBlue }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'PriorityInUseException' });
    await elb.send(
      new ModifyRuleCommand({
        RuleArn: ruleArn,
        Actions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: tgBlue, Weight: 0 },
                { TargetGroupArn: tgGreen, Weight: 5 },
              ],
            },
          },
        ],
      }),
    );
    expect(await get(PORTS[0], '/api/x')).toBe('b1');
    const rules = await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
    expect(rules.Rules!.map((r) => [r.Priority, r.IsDefault])).toEqual([
      ['10', false],
      ['default', true],
    ]);
    expect(rules.Rules![0]!.Actions![0]!.ForwardConfig!.TargetGroups).toEqual([
      { TargetGroupArn: tgBlue, Weight: 0 },
      { TargetGroupArn: tgGreen, Weight: 5 },
    ]);
  });

  test('bad input: a listener port in use, an unknown target group, a port outside HAProxy pool', async () => {
    await expect(
      elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lbArn,
          Port: PORTS[0],
          DefaultActions: [{ Type: 'forward', TargetGroupArn: tgA }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'DuplicateListenerException' });
    await expect(
      elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lbArn,
          Port: PORTS[1],
          DefaultActions: [{ Type: 'forward', TargetGroupArn: `${tgA}0` }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'TargetGroupNotFoundException' });
    await expect(
      elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lbArn,
          Port: 80,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: tgA }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining(`${PORTS[0]}-${PORTS[1]}`) });
    // Nothing was changed by the refused calls: the free port still refuses connections.
    await expect(fetch(`http://127.0.0.1:${PORTS[1]}/`)).rejects.toThrow();
  });
});

describe('zero failed requests while targets are replaced', () => {
  test('register new, wait healthy, deregister old, under a steady load', async () => {
    const [old, next] = await Promise.all([startApp('old'), startApp('new')]);
    const tg = await targetGroup('roll');
    await register(tg, old);
    const lb = await elb.send(new CreateLoadBalancerCommand({ Name: 'steady', Subnets: ['subnet-a'] }));
    const steadyLb = lb.LoadBalancers![0]!.LoadBalancerArn!;
    const port = PORTS[0] + 1;
    await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: steadyLb,
        Port: port,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }],
      }),
    );
    await until('old healthy', () => stateOf(tg, old, 'healthy'));
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tg,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '3' }],
      }),
    );
    let stop = false;
    const results: string[] = [];
    // At most 100 requests a second, bounded by `stop` and by 3000 requests.
    const load = (async () => {
      for (let i = 0; !stop && i < 3000; i++) {
        const started = Date.now();
        results.push(await get(port).catch((e) => `error ${(e as Error).message}`));
        await new Promise((r) => setTimeout(r, Math.max(0, 10 - (Date.now() - started))));
      }
    })();
    await new Promise((r) => setTimeout(r, 1000));
    await register(tg, next);
    await until('new healthy', () => stateOf(tg, next, 'healthy'));
    await elb.send(
      new DeregisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: '127.0.0.1', Port: old.port }] }),
    );
    await until('old gone', async () =>
      (await health(tg, old))[0]!.TargetHealth!.Reason === 'Target.NotRegistered' ? true : undefined,
    );
    // Stop the old target as ECS would (SIGTERM after draining), then keep the load on a little.
    old.server.closeAllConnections();
    await new Promise((r) => old.server.close(r));
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await load;
    const failed = results.filter((r) => r !== 'old' && r !== 'new');
    expect(results.length).toBeGreaterThan(50);
    expect(failed).toEqual([]);
    console.log(`steady load: ${results.length} requests, ${failed.length} failed`);
    expect(results.at(-1)).toBe('new');
  }, 60_000);
});

describe('without HAProxy', () => {
  test('the emulator says so at start and every ELBv2 call answers ServiceUnavailable naming it', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args.join(' '));
    const lonely = new Elbv2({
      region: 'us-east-1',
      accountId: '000000000000',
      healthIntervalCapMs: 300,
      haproxy: {
        socket: join(state, 'absent.sock'),
        pid: 0,
        listenerPorts: [1, 1],
        backends: 1,
        rulesMap: '',
        pickMap: '',
      },
    });
    try {
      await lonely.start();
    } finally {
      console.error = original;
    }
    expect(errors.join('\n')).toMatch(/ELBv2 unavailable: HAProxy runtime API at .*absent\.sock/);
    await expect(lonely.handle('DescribeLoadBalancers', {})).rejects.toMatchObject({
      code: 'ServiceUnavailable',
      status: 503,
    });
    await lonely.close();
  });
});

describe('reset', () => {
  test('POST /_emulator/reset forgets every ELBv2 resource and releases HAProxy: listeners refuse connections again', async () => {
    expect(await get(PORTS[0])).toMatch(/^(a1|b1)$/);
    const res = await fetch(`${emulator.endpoint}/_emulator/reset`, { method: 'POST' });
    expect(res.status).toBe(200);
    // A new connection is refused (an idle keep-alive one lives on until HAProxy's keep-alive timeout).
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(PORTS[0], '127.0.0.1', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
    });
    expect(refused).toBe('ECONNREFUSED');
    const lbs = await query('DescribeLoadBalancers');
    expect(lbs.xml).toContain('<LoadBalancers></LoadBalancers>');
    // The backend pool is whole again: a new target group gets a backend and routes.
    const tg = await targetGroup('after-reset');
    await register(tg, apps[0]!);
    expect(await stateOf(tg, apps[0]!, 'unused')).toMatchObject({ Reason: 'Target.NotInUse' });
  });
});
