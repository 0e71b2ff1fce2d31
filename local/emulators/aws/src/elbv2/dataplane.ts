/**
 * HAProxy follows the emulator's ELBv2 state: a listener enables its frontend, target groups are
 * backends, targets are dynamic servers whose health HAProxy checks, and listener rules with their
 * forward weights are two maps replaced atomically (see local/infra/haproxy.sh). Target health as
 * DescribeTargetHealth reports it is read back from HAProxy's check results (`show stat`).
 */
import { Haproxy, type HaproxyInfo, type ServerStat } from './haproxy.js';
import { ElbError } from './query.js';
import type { Listener, Rule, TargetGroup } from './resources.js';

export interface Target {
  id: string;
  port: number;
  /** HAProxy server name in the group's backend. */
  server: string;
  registeredAt: number;
  /** HAProxy's check interval for it (the group's, capped for tests). */
  interMs: number;
  /** initial: in HAProxy's drain state until its checks pass `rise` times, then set ready. */
  phase: 'initial' | 'ready' | 'draining';
  drainingSince?: number;
  stat?: ServerStat;
}

export interface TargetHealth {
  State: string;
  Reason?: string;
  Description?: string;
}

const BUCKETS = 100;

/** 100 buckets shared out by weight (largest remainder), so `rand(100)` picks a group with its weight's share. */
export function buckets(groups: { backend: string; weight: number }[]): string[] {
  const total = groups.reduce((sum, g) => sum + g.weight, 0);
  if (total === 0) return Array(BUCKETS).fill('tg_none');
  const shares = groups.map((g) => (g.weight * BUCKETS) / total);
  const counts = shares.map(Math.floor);
  const order = shares.map((s, i) => [s - Math.floor(s), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; counts.reduce((a, b) => a + b, 0) < BUCKETS; k++) counts[order[k % order.length]![1]]!++;
  return groups.flatMap((g, i) => Array<string>(counts[i]!).fill(g.backend));
}

/** An ELBv2 wildcard pattern (`*`, `?`) as a regex without backslashes (HAProxy's CLI would eat them). */
export function patternRegex(pattern: string, lower = false): string {
  return [...(lower ? pattern.toLowerCase() : pattern)]
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : /[A-Za-z0-9/_~"'@:&-]/.test(ch) ? ch : `[${ch}]`))
    .join('');
}

/** The rules map entries of one listener, in priority order, the default rule last. */
export function ruleEntries(listener: Listener): [string, string][] {
  const ordered = [...listener.rules.slice(1)].sort((a, b) => Number(a.priority) - Number(b.priority));
  const entries: [string, string][] = [];
  for (const rule of ordered) {
    const hosts = rule.conditions.filter((c) => c.field === 'host-header').flatMap((c) => c.values);
    const paths = rule.conditions.filter((c) => c.field === 'path-pattern').flatMap((c) => c.values);
    for (const host of hosts.length ? hosts : [undefined]) {
      for (const path of paths.length ? paths : [undefined]) {
        const h = host === undefined ? '[^~]*' : patternRegex(host, true);
        const p = path === undefined ? '.*' : patternRegex(path);
        entries.push([`^${listener.port}~${h}~${p}$`, rule.key]);
      }
    }
  }
  entries.push([`^${listener.port}~`, listener.rules[0]!.key]);
  return entries;
}

export class DataPlane {
  readonly haproxy: Haproxy;
  private freeBackends: string[];
  private serverSeq = 0;

  constructor(
    info: HaproxyInfo,
    private readonly intervalCapMs: number,
  ) {
    this.haproxy = new Haproxy(info);
    this.freeBackends = Array.from({ length: info.backends }, (_, i) => `tg${i}`);
  }

  /** Forgets whatever an earlier emulator left in HAProxy: servers, maps, enabled frontends. */
  async reset(): Promise<void> {
    await this.haproxy.run('show info');
    const stale = await this.haproxy.servers();
    for (const s of stale) await this.removeServer(s.backend, s.server);
    await this.haproxy.replaceMap(this.haproxy.info.rulesMap, []);
    await this.haproxy.replaceMap(this.haproxy.info.pickMap, []);
    const [low, high] = this.haproxy.info.listenerPorts;
    const commands: string[] = [];
    for (let port = low; port <= high; port++) commands.push(`disable frontend l${port}`);
    await this.haproxy.run(commands.join(';'));
  }

  checkListenerPort(port: number): void {
    const [low, high] = this.haproxy.info.listenerPorts;
    if (port < low || port > high) {
      throw new ElbError(
        'ValidationError',
        `Listener port ${port}: the emulator's HAProxy has frontends for ports ${low}-${high} only (HAPROXY_LISTENER_PORTS)`,
      );
    }
  }

  claimBackend(): string {
    const backend = this.freeBackends.shift();
    if (!backend) {
      throw new ElbError(
        'TooManyTargetGroups',
        `You've reached the limit on the number of target groups (${this.haproxy.info.backends}, HAProxy's backend pool)`,
      );
    }
    return backend;
  }

  async releaseBackend(tg: TargetGroup, targets: Target[]): Promise<void> {
    for (const t of targets) await this.removeServer(tg.backend, t.server);
    this.freeBackends.push(tg.backend);
  }

  /** The check path is a process variable the backend's `http-check send uri-lf` reads. */
  configureChecks(tg: TargetGroup): Promise<string> {
    return this.haproxy.experimental(`set var proc.${tg.backend}_path str(${tg.healthCheck.path})`);
  }

  enableFrontend(port: number, enabled: boolean): Promise<string> {
    return this.haproxy.run(`${enabled ? 'enable' : 'disable'} frontend l${port}`);
  }

  /** Rewrites both routing maps from every listener. */
  async route(listeners: Listener[], groups: Map<string, TargetGroup>): Promise<void> {
    const rules = listeners.flatMap(ruleEntries);
    const pick = listeners.flatMap((l) =>
      l.rules.flatMap((rule: Rule) =>
        buckets(
          rule.action.groups.map((g) => ({ backend: groups.get(g.arn)?.backend ?? 'tg_none', weight: g.weight })),
        ).map((backend, i) => [`${rule.key}-${i}`, backend] as [string, string]),
      ),
    );
    // Pick first, so a new rule key never points to a bucket that is not there yet.
    await this.haproxy.replaceMap(this.haproxy.info.pickMap, pick);
    await this.haproxy.replaceMap(this.haproxy.info.rulesMap, rules);
  }

  /** A new server starts in drain (no traffic) with its health forced down: it gets traffic only after `rise` checks pass. */
  async addTarget(tg: TargetGroup, id: string, port: number): Promise<Target> {
    const server = `t${++this.serverSeq}`;
    const address = /^\d+\.\d+\.\d+\.\d+$/.test(id) ? id : '127.0.0.1';
    const hc = tg.healthCheck;
    const inter = Math.max(100, Math.min(hc.intervalSeconds * 1000, this.intervalCapMs));
    const checkPort = hc.port === 'traffic-port' ? '' : ` port ${hc.port}`;
    const name = `${tg.backend}/${server}`;
    await this.haproxy.experimental(
      `add server ${name} ${address}:${port} check inter ${inter} rise ${hc.healthyThreshold} fall ${hc.unhealthyThreshold}${checkPort} weight 1`,
    );
    await this.haproxy.command(`set server ${name} state drain; set server ${name} health down`);
    if (hc.enabled) await this.haproxy.command(`enable health ${name}`);
    return { id, port, server, registeredAt: Date.now(), interMs: inter, phase: 'initial' };
  }

  drain(tg: TargetGroup, target: Target): Promise<string> {
    target.phase = 'draining';
    target.drainingSince = Date.now();
    return this.haproxy.command(`set server ${tg.backend}/${target.server} state drain`);
  }

  async removeServer(backend: string, server: string): Promise<void> {
    const name = `${backend}/${server}`;
    await this.haproxy.run(`set server ${name} state maint; shutdown sessions server ${name}`);
    // del server refuses while the server still has connections; they close right after shutdown.
    for (let attempt = 0; ; attempt++) {
      const answer = await this.haproxy.run(`experimental-mode on; del server ${name}`);
      if (/Server deleted|No such server/i.test(answer)) return;
      if (attempt >= 50) throw new Error(`HAProxy: del server ${name}: ${answer.trim()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * One poll of HAProxy's checks: a target whose checks passed leaves drain for ready. A draining
   * one leaves HAProxy once it has no session in progress, but stays `draining` until the delay has
   * run out ("If a deregistering target has no in-flight requests and no active connections, Elastic
   * Load Balancing immediately completes the deregistration process, without waiting for the
   * deregistration delay to elapse. However, even though target deregistration is complete, the
   * status of the target is displayed as draining until the deregistration delay timeout expires":
   * ALB User Guide, Deregistration delay); at the end of the delay its sessions are cut.
   */
  async poll(groups: Iterable<{ tg: TargetGroup; targets: Map<string, Target> }>): Promise<void> {
    const stats = new Map((await this.haproxy.servers()).map((s) => [`${s.backend}/${s.server}`, s]));
    for (const { tg, targets } of groups) {
      for (const [key, target] of targets) {
        const name = `${tg.backend}/${target.server}`;
        target.stat = stats.get(name) ?? target.stat;
        const up = target.stat && /^(DRAIN|UP)/.test(target.stat.status) && target.stat.checkStatus.startsWith('L7OK');
        if (target.phase === 'initial' && up) {
          await this.haproxy.command(`set server ${name} state ready`);
          target.phase = 'ready';
        } else if (target.phase === 'draining') {
          const delayMs = Number(tg.attributes.get('deregistration_delay.timeout_seconds')) * 1000;
          const over = Date.now() - target.drainingSince! >= delayMs;
          const present = stats.has(name);
          if (present && (over || (stats.get(name)?.current ?? 0) === 0))
            await this.removeServer(tg.backend, target.server);
          if (over) targets.delete(key);
        }
      }
    }
  }
}

const FAILED: Record<string, [string, string]> = {
  L7STS: ['Target.ResponseCodeMismatch', 'Health checks failed with these codes: [%]'],
  L4TOUT: ['Target.Timeout', 'Request timed out'],
  L7TOUT: ['Target.Timeout', 'Request timed out'],
  L6TOUT: ['Target.Timeout', 'Request timed out'],
};

/** DescribeTargetHealth's TargetHealth for a registered target. */
export function targetHealth(tg: TargetGroup, target: Target, inUse: boolean, now = Date.now()): TargetHealth {
  if (target.phase === 'draining') {
    return {
      State: 'draining',
      Reason: 'Target.DeregistrationInProgress',
      Description: 'Target deregistration is in progress',
    };
  }
  if (!inUse) {
    return {
      State: 'unused',
      Reason: 'Target.NotInUse',
      Description: 'Target group is not configured to receive traffic from the load balancer',
    };
  }
  if (!tg.healthCheck.enabled) {
    return { State: 'unavailable', Reason: 'Target.HealthCheckDisabled', Description: 'Health checks are disabled' };
  }
  const stat = target.stat;
  const checked = Boolean(stat?.checkStatus);
  const failing = checked && !stat!.checkStatus.startsWith('L7OK');
  const unhealthy = () => {
    const [reason, text] = FAILED[stat!.checkStatus] ?? ['Target.FailedHealthChecks', 'Health checks failed'];
    return { State: 'unhealthy', Reason: reason, Description: text.replace('%', stat!.checkCode) };
  };
  if (target.phase === 'initial') {
    if (!checked)
      return {
        State: 'initial',
        Reason: 'Elb.RegistrationInProgress',
        Description: 'Target registration is in progress',
      };
    if (failing && now - target.registeredAt >= target.interMs * tg.healthCheck.unhealthyThreshold) return unhealthy();
    return { State: 'initial', Reason: 'Elb.InitialHealthChecking', Description: 'Initial health checks in progress' };
  }
  if (stat && /^UP/.test(stat.status)) return { State: 'healthy' };
  return stat
    ? unhealthy()
    : { State: 'unhealthy', Reason: 'Elb.InternalError', Description: 'Target not found in HAProxy' };
}
