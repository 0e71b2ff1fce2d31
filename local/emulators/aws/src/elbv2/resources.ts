/**
 * ELBv2 resources as the emulator keeps them, their validation (the limits and messages of the
 * ELBv2 API Reference: CreateTargetGroup, CreateListener, CreateRule) and their wire shapes.
 */
import { type Doc, ElbError, validationError } from './query.js';

export interface TargetGroup {
  arn: string;
  name: string;
  protocol: string;
  port: number;
  vpcId: string;
  targetType: string;
  healthCheck: {
    enabled: boolean;
    path: string;
    port: string;
    protocol: string;
    intervalSeconds: number;
    timeoutSeconds: number;
    healthyThreshold: number;
    unhealthyThreshold: number;
    matcher: string;
  };
  attributes: Map<string, string>;
  /** The HAProxy backend (`tg3`) this target group is. */
  backend: string;
}

export interface WeightedGroup {
  arn: string;
  weight: number;
}

/** A forward action, the only action type the data plane routes. */
export interface ForwardAction {
  groups: WeightedGroup[];
  /** Whether the request named a single TargetGroupArn (the response then carries it too). */
  single: boolean;
}

export interface Rule {
  arn: string;
  /** Stable key in HAProxy's maps (`r12`). */
  key: string;
  priority: number | 'default';
  conditions: { field: string; values: string[] }[];
  action: ForwardAction;
}

export interface Listener {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: string;
  /** rules[0] is the default rule (the listener's DefaultActions). */
  rules: Rule[];
}

export interface LoadBalancer {
  arn: string;
  name: string;
  dnsName: string;
  scheme: string;
  type: string;
  createdAt: Date;
  subnets: string[];
  securityGroups: string[];
}

export const TARGET_GROUP_ATTRIBUTES: Record<string, string> = {
  'deregistration_delay.timeout_seconds': '300',
  'stickiness.enabled': 'false',
  'stickiness.type': 'lb_cookie',
  'stickiness.lb_cookie.duration_seconds': '86400',
  'slow_start.duration_seconds': '0',
  'load_balancing.algorithm.type': 'round_robin',
};

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
/** Characters HAProxy's `str()` sample takes literally (no `,`, `)`, spaces or quotes). */
const PATH = /^\/[A-Za-z0-9/_.~?=&%:@+-]{0,1023}$/;

export function checkName(name: unknown, what: string): string {
  const value = String(name ?? '');
  if (!NAME.test(value)) {
    throw validationError(
      `${what} name '${value}' can have a maximum of 32 characters, can contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen`,
    );
  }
  return value;
}

export function integer(value: unknown, name: string, min: number, max: number, fallback?: number): number {
  if (value === undefined || value === '') {
    if (fallback === undefined) throw validationError(`${name} must be specified`);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw validationError(`${name}: '${value}' is not valid; it must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** The health-check members of CreateTargetGroup/ModifyTargetGroup, over `base` (the defaults or the current ones). */
export function healthCheckSettings(p: Doc, base: TargetGroup['healthCheck']): TargetGroup['healthCheck'] {
  const hc = {
    enabled: p.HealthCheckEnabled === undefined ? base.enabled : p.HealthCheckEnabled === 'true',
    path: p.HealthCheckPath ?? base.path,
    port: p.HealthCheckPort ?? base.port,
    protocol: p.HealthCheckProtocol ?? base.protocol,
    intervalSeconds: integer(p.HealthCheckIntervalSeconds, 'HealthCheckIntervalSeconds', 5, 300, base.intervalSeconds),
    timeoutSeconds: integer(p.HealthCheckTimeoutSeconds, 'HealthCheckTimeoutSeconds', 2, 120, base.timeoutSeconds),
    healthyThreshold: integer(p.HealthyThresholdCount, 'HealthyThresholdCount', 2, 10, base.healthyThreshold),
    unhealthyThreshold: integer(p.UnhealthyThresholdCount, 'UnhealthyThresholdCount', 2, 10, base.unhealthyThreshold),
    matcher: p.Matcher?.HttpCode ?? base.matcher,
  };
  if (!PATH.test(hc.path))
    throw validationError(`Health check path '${hc.path}' must start with '/' and have at most 1024 URL characters`);
  if (hc.port !== 'traffic-port') integer(hc.port, 'HealthCheckPort', 1, 65535);
  if (hc.protocol !== 'HTTP')
    throw validationError(`Health check protocol '${hc.protocol}' is not supported by the emulator; expected HTTP`);
  if (hc.timeoutSeconds >= hc.intervalSeconds) {
    throw validationError('Health check interval must be greater than the timeout.');
  }
  if (!/^\d{3}(?:[-,]\d{3})*$/.test(hc.matcher))
    throw validationError(`Matcher HttpCode '${hc.matcher}' is not valid; expected codes like 200, 200,202 or 200-299`);
  return hc;
}

export const DEFAULT_HEALTH_CHECK: TargetGroup['healthCheck'] = {
  enabled: true,
  path: '/',
  port: 'traffic-port',
  protocol: 'HTTP',
  intervalSeconds: 30,
  timeoutSeconds: 5,
  healthyThreshold: 5,
  unhealthyThreshold: 2,
  matcher: '200',
};

/** An `Actions`/`DefaultActions` list: exactly one forward action, by TargetGroupArn or ForwardConfig. */
export function parseActions(
  actions: Doc[] | undefined,
  name: string,
  groupExists: (arn: string) => boolean,
): ForwardAction {
  if (!actions?.length) throw validationError(`${name} must contain an action`);
  if (actions.length > 1)
    throw validationError(`${name}: the emulator supports one forward action per rule, got ${actions.length}`);
  const action = actions[0]!;
  if (action.Type !== 'forward') {
    throw validationError(`${name}: action type '${action.Type}' is not supported by the emulator; expected forward`);
  }
  const listed: Doc[] = action.ForwardConfig?.TargetGroups ?? [];
  const groups: WeightedGroup[] = listed.length
    ? listed.map((g, i) => ({
        arn: String(g.TargetGroupArn ?? ''),
        weight: integer(g.Weight, `TargetGroups[${i + 1}].Weight`, 0, 999, 1),
      }))
    : action.TargetGroupArn
      ? [{ arn: String(action.TargetGroupArn), weight: 1 }]
      : [];
  if (!groups.length)
    throw validationError(`${name}: a forward action needs TargetGroupArn or ForwardConfig.TargetGroups`);
  if (action.TargetGroupArn && listed.length && (listed.length !== 1 || groups[0]!.arn !== action.TargetGroupArn)) {
    throw validationError(
      'You cannot specify a target group in both TargetGroupArn and ForwardConfig unless they are the same',
    );
  }
  if (new Set(groups.map((g) => g.arn)).size !== groups.length)
    throw validationError('A target group can be specified only once in a forward action');
  for (const g of groups) {
    if (!groupExists(g.arn)) throw new ElbError('TargetGroupNotFound', `Target group '${g.arn}' not found`);
  }
  return { groups, single: !listed.length };
}

/** Rule conditions: path-pattern and host-header, by Values or their *Config.Values. */
export function parseConditions(conditions: Doc[] | undefined): Rule['conditions'] {
  if (!conditions?.length) throw validationError('A rule must have at least one condition');
  return conditions.map((c) => {
    const field = String(c.Field ?? '');
    const config =
      field === 'path-pattern' ? c.PathPatternConfig : field === 'host-header' ? c.HostHeaderConfig : undefined;
    if (!config && !['path-pattern', 'host-header'].includes(field)) {
      throw validationError(
        `Condition field '${field}' is not supported by the emulator; expected path-pattern or host-header`,
      );
    }
    const values: string[] = (config?.Values ?? c.Values ?? []).map(String);
    if (!values.length || values.length > 5) throw validationError(`Condition '${field}' must have from 1 to 5 values`);
    const allowed = field === 'path-pattern' ? /^[A-Za-z0-9_\-.$/~"'@:+&*?]{1,128}$/ : /^[A-Za-z0-9\-.*?]{1,128}$/;
    for (const v of values)
      if (!allowed.test(v)) throw validationError(`Condition value '${v}' is not valid for '${field}'`);
    return { field, values };
  });
}

// ------------------------------------------------------------------ wire shapes

export function actionShape(action: ForwardAction): Doc[] {
  return [
    {
      Type: 'forward',
      TargetGroupArn: action.single ? action.groups[0]!.arn : undefined,
      ForwardConfig: {
        TargetGroups: action.groups.map((g) => ({ TargetGroupArn: g.arn, Weight: g.weight })),
        TargetGroupStickinessConfig: { Enabled: false },
      },
    },
  ];
}

export function conditionShape(c: Rule['conditions'][number]): Doc {
  const config = c.field === 'path-pattern' ? 'PathPatternConfig' : 'HostHeaderConfig';
  return { Field: c.field, Values: c.values, [config]: { Values: c.values } };
}

export function ruleShape(rule: Rule): Doc {
  return {
    RuleArn: rule.arn,
    Priority: String(rule.priority),
    Conditions: rule.conditions.map(conditionShape),
    Actions: actionShape(rule.action),
    IsDefault: rule.priority === 'default',
  };
}

export function listenerShape(l: Listener): Doc {
  return {
    ListenerArn: l.arn,
    LoadBalancerArn: l.loadBalancerArn,
    Port: l.port,
    Protocol: l.protocol,
    DefaultActions: actionShape(l.rules[0]!.action),
  };
}

export function loadBalancerShape(lb: LoadBalancer, region: string): Doc {
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
    CreatedTime: lb.createdAt,
    LoadBalancerName: lb.name,
    Scheme: lb.scheme,
    VpcId: 'vpc-emulator',
    State: { Code: 'active' },
    Type: lb.type,
    AvailabilityZones: lb.subnets.map((s, i) => ({ ZoneName: `${region}${'abcdef'[i % 6]}`, SubnetId: s })),
    SecurityGroups: lb.securityGroups,
    IpAddressType: 'ipv4',
  };
}

export function targetGroupShape(tg: TargetGroup, loadBalancerArns: string[]): Doc {
  const hc = tg.healthCheck;
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: tg.protocol,
    Port: tg.port,
    VpcId: tg.vpcId,
    HealthCheckProtocol: hc.protocol,
    HealthCheckPort: hc.port,
    HealthCheckEnabled: hc.enabled,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    HealthCheckPath: hc.path,
    Matcher: { HttpCode: hc.matcher },
    LoadBalancerArns: loadBalancerArns,
    TargetType: tg.targetType,
    ProtocolVersion: 'HTTP1',
    IpAddressType: 'ipv4',
  };
}
