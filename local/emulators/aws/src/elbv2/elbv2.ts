/**
 * Elastic Load Balancing v2 (application load balancers) over the Query protocol: the operations,
 * their errors as the ELBv2 API Reference names them, and the state HAProxy follows (dataplane.ts).
 */
import { randomBytes } from 'node:crypto';
import { DataPlane, type Target, targetHealth } from './dataplane.js';
import { type HaproxyInfo, readHaproxyInfo } from './haproxy.js';
import { LISTENER_OPERATIONS } from './listeners.js';
import { type Doc, ElbError, validationError } from './query.js';
import {
  checkName,
  DEFAULT_HEALTH_CHECK,
  healthCheckSettings,
  integer,
  type Listener,
  type LoadBalancer,
  loadBalancerShape,
  type Rule,
  TARGET_GROUP_ATTRIBUTES,
  type TargetGroup,
  targetGroupShape,
} from './resources.js';

export interface Elbv2Options {
  region: string;
  accountId: string;
  /** Upper bound of HAProxy's check interval, so tests need not wait 30 s a check. */
  healthIntervalCapMs: number;
  /** haproxy.json as local/infra/haproxy.sh wrote it (default: the file ELBV2_HAPROXY_INFO names). */
  haproxy?: HaproxyInfo;
  pollMs?: number;
}

const notFound = (code: string, what: string, id: string) => new ElbError(code, `${what} '${id}' not found`);
const hex = () => randomBytes(8).toString('hex');

export class Elbv2 {
  private dataPlane?: DataPlane;
  /** Why the data plane is missing, said at start and on every request. */
  private unavailable?: string;
  readonly loadBalancers = new Map<string, LoadBalancer>();
  readonly listeners = new Map<string, Listener>();
  readonly groups = new Map<string, { tg: TargetGroup; targets: Map<string, Target> }>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  ruleSeq = 0;
  /** Serialises changes to HAProxy: a poll and an operation never interleave their commands. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly options: Elbv2Options) {}

  get arnPrefix() {
    return `arn:aws:elasticloadbalancing:${this.options.region}:${this.options.accountId}`;
  }

  /** Connects to HAProxy; when it is not there, says so now (and on every ELBv2 request). */
  async start(): Promise<void> {
    try {
      const info = this.options.haproxy ?? readHaproxyInfo();
      const plane = new DataPlane(info, this.options.healthIntervalCapMs);
      await plane.reset();
      this.dataPlane = plane;
      this.timer = setInterval(() => {
        // Nothing registered, nothing to read from HAProxy.
        if (![...this.groups.values()].some((e) => e.targets.size)) return;
        this.polling ??= this.serial(() => (this.dataPlane ?? plane).poll(this.groups.values()))
          .catch((error) => console.error(`[aws-emulator] ELBv2 health poll: ${(error as Error).message}`))
          .finally(() => {
            this.polling = undefined;
          });
      }, this.options.pollMs ?? 200);
      this.timer.unref();
    } catch (error) {
      this.unavailable = (error as Error).message;
      console.error(`[aws-emulator] ELBv2 unavailable: ${this.unavailable}`);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  async clear(): Promise<void> {
    await this.serial(async () => {
      if (this.dataPlane) await this.dataPlane.reset();
      this.dataPlane = this.dataPlane && new DataPlane(this.dataPlane.haproxy.info, this.options.healthIntervalCapMs);
      this.loadBalancers.clear();
      this.listeners.clear();
      this.groups.clear();
    });
  }

  private serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  handle(action: string, p: Doc): Promise<Doc> {
    const plane = this.dataPlane;
    if (!plane)
      return Promise.reject(
        new ElbError('ServiceUnavailable', `ELBv2 unavailable: ${this.unavailable}`, 503, 'Receiver'),
      );
    const own = (this as unknown as Record<string, (p: Doc, plane: DataPlane) => Promise<Doc> | Doc>)[`op${action}`];
    const listenerOp = Object.hasOwn(LISTENER_OPERATIONS, action) ? LISTENER_OPERATIONS[action] : undefined;
    const operation = own ?? (listenerOp && ((q: Doc, plane: DataPlane) => listenerOp(this, q, plane)));
    if (!operation || !/^[A-Z]/.test(action))
      return Promise.reject(new ElbError('InvalidAction', `Could not find operation ${action} for version 2015-12-01`));
    return this.serial(() => operation.call(this, p, plane));
  }

  // ------------------------------------------------------------------ look-ups

  group(arn: string): { tg: TargetGroup; targets: Map<string, Target> } {
    const entry = this.groups.get(arn);
    if (!entry) throw notFound('TargetGroupNotFound', 'Target groups', arn);
    return entry;
  }

  loadBalancer(arn: string): LoadBalancer {
    const lb = this.loadBalancers.get(arn);
    if (!lb) throw notFound('LoadBalancerNotFound', 'Load balancer', arn);
    return lb;
  }

  listener(arn: string): Listener {
    const l = this.listeners.get(arn);
    if (!l) throw notFound('ListenerNotFound', 'Listener', arn);
    return l;
  }

  findRule(arn: string): { listener: Listener; rule: Rule } {
    for (const listener of this.listeners.values()) {
      const rule = listener.rules.find((r) => r.arn === arn);
      if (rule) return { listener, rule };
    }
    throw notFound('RuleNotFound', 'One or more rules', arn);
  }

  /** Load balancers whose listeners forward to the group. */
  loadBalancersOf(tgArn: string): string[] {
    const arns = new Set<string>();
    for (const l of this.listeners.values()) {
      if (l.rules.some((r) => r.action.groups.some((g) => g.arn === tgArn))) arns.add(l.loadBalancerArn);
    }
    return [...arns];
  }

  private tgShape(tg: TargetGroup) {
    return targetGroupShape(tg, this.loadBalancersOf(tg.arn));
  }

  route(plane: DataPlane) {
    const groups = new Map([...this.groups].map(([arn, e]) => [arn, e.tg]));
    return plane.route([...this.listeners.values()], groups);
  }

  /** A target group may serve listeners of one load balancer only. */
  checkAssociation(lbArn: string, rule: Rule['action']): void {
    for (const g of rule.groups) {
      const others = this.loadBalancersOf(g.arn).filter((arn) => arn !== lbArn);
      if (others.length)
        throw new ElbError(
          'TargetGroupAssociationLimit',
          `The following target groups cannot be associated with more than one load balancer: ${g.arn}`,
        );
    }
  }

  // ------------------------------------------------------------------ load balancers

  opCreateLoadBalancer(p: Doc): Doc {
    const name = checkName(p.Name, 'Load balancer');
    if ((p.Type ?? 'application') !== 'application')
      throw validationError(`Load balancer type '${p.Type}' is not supported by the emulator; expected application`);
    const existing = [...this.loadBalancers.values()].find((lb) => lb.name === name);
    if (existing) return { LoadBalancers: [loadBalancerShape(existing, this.options.region)] };
    const arn = `${this.arnPrefix}:loadbalancer/app/${name}/${hex()}`;
    const lb: LoadBalancer = {
      arn,
      name,
      // Every listener of the emulator is on this machine's loopback address, at the listener's port.
      dnsName: '127.0.0.1',
      scheme: p.Scheme ?? 'internet-facing',
      type: 'application',
      createdAt: new Date(),
      subnets: (p.Subnets ?? []).map(String),
      securityGroups: (p.SecurityGroups ?? []).map(String),
    };
    this.loadBalancers.set(arn, lb);
    return { LoadBalancers: [loadBalancerShape(lb, this.options.region)] };
  }

  opDescribeLoadBalancers(p: Doc): Doc {
    let lbs = [...this.loadBalancers.values()];
    if (p.LoadBalancerArns?.length) lbs = p.LoadBalancerArns.map((arn: string) => this.loadBalancer(arn));
    if (p.Names?.length) {
      lbs = p.Names.map((n: string) => {
        const lb = lbs.find((l) => l.name === n);
        if (!lb) throw new ElbError('LoadBalancerNotFound', `Load balancers '[${n}]' not found`);
        return lb;
      });
    }
    return { LoadBalancers: lbs.map((lb) => loadBalancerShape(lb, this.options.region)) };
  }

  async opDeleteLoadBalancer(p: Doc, plane: DataPlane): Promise<Doc> {
    const lb = this.loadBalancers.get(String(p.LoadBalancerArn));
    if (!lb) return {};
    for (const l of [...this.listeners.values()].filter((x) => x.loadBalancerArn === lb.arn)) {
      this.listeners.delete(l.arn);
      await plane.enableFrontend(l.port, false);
    }
    this.loadBalancers.delete(lb.arn);
    await this.route(plane);
    return {};
  }

  // ------------------------------------------------------------------ target groups

  async opCreateTargetGroup(p: Doc, plane: DataPlane): Promise<Doc> {
    const name = checkName(p.Name, 'Target group');
    const protocol = String(p.Protocol ?? 'HTTP');
    if (protocol !== 'HTTP')
      throw validationError(`Protocol '${protocol}' is not supported by the emulator; expected HTTP`);
    const port = integer(p.Port, 'Port', 1, 65535);
    const targetType = String(p.TargetType ?? 'instance');
    if (!['instance', 'ip'].includes(targetType))
      throw validationError(`Target type '${targetType}' is not supported by the emulator; expected instance or ip`);
    const healthCheck = healthCheckSettings(p, DEFAULT_HEALTH_CHECK);
    const existing = [...this.groups.values()].find((e) => e.tg.name === name);
    if (existing) {
      const same =
        existing.tg.port === port &&
        existing.tg.protocol === protocol &&
        JSON.stringify(existing.tg.healthCheck) === JSON.stringify(healthCheck);
      if (!same)
        throw new ElbError(
          'DuplicateTargetGroupName',
          'A target group with the same name exists, but with different settings',
        );
      return { TargetGroups: [this.tgShape(existing.tg)] };
    }
    const tg: TargetGroup = {
      arn: `${this.arnPrefix}:targetgroup/${name}/${hex()}`,
      name,
      protocol,
      port,
      vpcId: String(p.VpcId ?? 'vpc-emulator'),
      targetType,
      healthCheck,
      attributes: new Map(Object.entries(TARGET_GROUP_ATTRIBUTES)),
      backend: plane.claimBackend(),
    };
    await plane.configureChecks(tg);
    this.groups.set(tg.arn, { tg, targets: new Map() });
    return { TargetGroups: [this.tgShape(tg)] };
  }

  opDescribeTargetGroups(p: Doc): Doc {
    let tgs = [...this.groups.values()].map((e) => e.tg);
    if (p.TargetGroupArns?.length) tgs = p.TargetGroupArns.map((arn: string) => this.group(arn).tg);
    if (p.Names?.length) {
      tgs = p.Names.map((n: string) => {
        const tg = tgs.find((t) => t.name === n);
        if (!tg) throw new ElbError('TargetGroupNotFound', `One or more target groups not found`);
        return tg;
      });
    }
    if (p.LoadBalancerArn) {
      this.loadBalancer(p.LoadBalancerArn);
      tgs = tgs.filter((tg) => this.loadBalancersOf(tg.arn).includes(p.LoadBalancerArn));
    }
    return { TargetGroups: tgs.map((tg) => this.tgShape(tg)) };
  }

  async opModifyTargetGroup(p: Doc, plane: DataPlane): Promise<Doc> {
    const { tg } = this.group(String(p.TargetGroupArn));
    tg.healthCheck = healthCheckSettings(p, tg.healthCheck);
    await plane.configureChecks(tg);
    return { TargetGroups: [this.tgShape(tg)] };
  }

  async opDeleteTargetGroup(p: Doc, plane: DataPlane): Promise<Doc> {
    const entry = this.groups.get(String(p.TargetGroupArn));
    if (!entry) return {};
    const users = this.loadBalancersOf(entry.tg.arn);
    if (users.length)
      throw new ElbError('ResourceInUse', `Target group '${entry.tg.arn}' is currently in use by a listener or a rule`);
    this.groups.delete(entry.tg.arn);
    await plane.releaseBackend(entry.tg, [...entry.targets.values()]);
    return {};
  }

  private attributesShape(tg: TargetGroup): Doc {
    return { Attributes: [...tg.attributes].map(([Key, Value]) => ({ Key, Value })) };
  }

  opDescribeTargetGroupAttributes(p: Doc): Doc {
    return this.attributesShape(this.group(String(p.TargetGroupArn)).tg);
  }

  opModifyTargetGroupAttributes(p: Doc): Doc {
    const { tg } = this.group(String(p.TargetGroupArn));
    const changes: Doc[] = p.Attributes ?? [];
    if (!changes.length) throw validationError('Attributes must contain at least one attribute');
    for (const { Key, Value } of changes) {
      if (!(Key in TARGET_GROUP_ATTRIBUTES))
        throw validationError(`Target group attribute key '${Key}' is not recognized`);
      if (Key === 'deregistration_delay.timeout_seconds') integer(Value, Key, 0, 3600);
    }
    for (const { Key, Value } of changes) tg.attributes.set(Key, String(Value));
    return this.attributesShape(tg);
  }

  // ------------------------------------------------------------------ targets

  private targetsOf(p: Doc, tg: TargetGroup): { id: string; port: number }[] {
    const targets: Doc[] = p.Targets ?? [];
    if (!targets.length) throw validationError('Targets must contain at least one target');
    return targets.map((t, i) => {
      if (!t.Id) throw validationError(`Targets[${i + 1}].Id must be specified`);
      return { id: String(t.Id), port: integer(t.Port, `Targets[${i + 1}].Port`, 1, 65535, tg.port) };
    });
  }

  async opRegisterTargets(p: Doc, plane: DataPlane): Promise<Doc> {
    const { tg, targets } = this.group(String(p.TargetGroupArn));
    for (const { id, port } of this.targetsOf(p, tg)) {
      const key = `${id}:${port}`;
      const current = targets.get(key);
      if (current && current.phase !== 'draining') continue;
      if (current) {
        await plane.removeServer(tg.backend, current.server);
        targets.delete(key);
      }
      targets.set(key, await plane.addTarget(tg, id, port));
    }
    return {};
  }

  async opDeregisterTargets(p: Doc, plane: DataPlane): Promise<Doc> {
    const { tg, targets } = this.group(String(p.TargetGroupArn));
    for (const { id, port } of this.targetsOf(p, tg)) {
      const target = targets.get(`${id}:${port}`);
      if (target && target.phase !== 'draining') await plane.drain(tg, target);
    }
    return {};
  }

  opDescribeTargetHealth(p: Doc): Doc {
    const { tg, targets } = this.group(String(p.TargetGroupArn));
    const inUse = this.loadBalancersOf(tg.arn).length > 0;
    const asked = p.Targets?.length ? this.targetsOf(p, tg) : [...targets.values()];
    return {
      TargetHealthDescriptions: asked.map(({ id, port }) => {
        const target = targets.get(`${id}:${port}`);
        const health = target
          ? targetHealth(tg, target, inUse)
          : {
              State: 'unused',
              Reason: 'Target.NotRegistered',
              Description: 'Target is not registered to the target group',
            };
        const checkPort = tg.healthCheck.port === 'traffic-port' ? String(port) : tg.healthCheck.port;
        return { Target: { Id: id, Port: port }, HealthCheckPort: checkPort, TargetHealth: health };
      }),
    };
  }
}
