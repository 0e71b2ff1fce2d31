/** ELBv2 listeners and listener rules: their operations over the state Elbv2 keeps (elbv2.ts). */
import { randomBytes } from 'node:crypto';
import type { DataPlane } from './dataplane.js';
import { type Doc, ElbError, validationError } from './query.js';
import {
  integer,
  type Listener,
  type LoadBalancer,
  listenerShape,
  parseActions,
  parseConditions,
  type Rule,
  ruleShape,
} from './resources.js';

const hex = () => randomBytes(8).toString('hex');

/** What these operations need of Elbv2 (an interface, so this module does not import it back). */
export interface ElbState {
  readonly arnPrefix: string;
  ruleSeq: number;
  readonly listeners: Map<string, Listener>;
  readonly groups: Map<string, unknown>;
  loadBalancer(arn: string): LoadBalancer;
  listener(arn: string): Listener;
  findRule(arn: string): { listener: Listener; rule: Rule };
  route(plane: DataPlane): Promise<void>;
  checkAssociation(lbArn: string, action: Rule['action']): void;
}

function newRule(
  elb: ElbState,
  listenerArn: string,
  priority: Rule['priority'],
  conditions: Rule['conditions'],
  action: Rule['action'],
): Rule {
  const tail = listenerArn.split(':listener/')[1];
  return {
    arn: `${elb.arnPrefix}:listener-rule/${tail}/${hex()}`,
    key: `r${++elb.ruleSeq}`,
    priority,
    conditions,
    action,
  };
}

async function createListener(elb: ElbState, p: Doc, plane: DataPlane): Promise<Doc> {
  const lb = elb.loadBalancer(String(p.LoadBalancerArn));
  const port = integer(p.Port, 'Port', 1, 65535);
  const protocol = String(p.Protocol ?? 'HTTP');
  if (protocol !== 'HTTP')
    throw validationError(`Listener protocol '${protocol}' is not supported by the emulator; expected HTTP`);
  plane.checkListenerPort(port);
  const action = parseActions(p.DefaultActions, 'DefaultActions', (arn) => elb.groups.has(arn));
  const taken = [...elb.listeners.values()].find((l) => l.port === port);
  if (taken) {
    const where =
      taken.loadBalancerArn === lb.arn
        ? 'this load balancer'
        : `load balancer ${taken.loadBalancerArn} (the emulator's load balancers share one address)`;
    throw new ElbError('DuplicateListener', `A listener already exists on port ${port} of ${where}`);
  }
  elb.checkAssociation(lb.arn, action);
  const arn = `${elb.arnPrefix}:listener/app/${lb.name}/${lb.arn.split('/').pop()}/${hex()}`;
  const listener: Listener = { arn, loadBalancerArn: lb.arn, port, protocol, rules: [] };
  listener.rules.push(newRule(elb, arn, 'default', [], action));
  elb.listeners.set(arn, listener);
  await elb.route(plane);
  await plane.enableFrontend(port, true);
  return { Listeners: [listenerShape(listener)] };
}

function describeListeners(elb: ElbState, p: Doc): Doc {
  let ls = [...elb.listeners.values()];
  if (p.ListenerArns?.length) ls = p.ListenerArns.map((arn: string) => elb.listener(arn));
  if (p.LoadBalancerArn) {
    elb.loadBalancer(p.LoadBalancerArn);
    ls = ls.filter((l) => l.loadBalancerArn === p.LoadBalancerArn);
  }
  if (!p.ListenerArns?.length && !p.LoadBalancerArn)
    throw validationError('You must specify either listener ARNs or a load balancer ARN');
  return { Listeners: ls.map(listenerShape) };
}

async function modifyListener(elb: ElbState, p: Doc, plane: DataPlane): Promise<Doc> {
  const listener = elb.listener(String(p.ListenerArn));
  if (p.DefaultActions) {
    const action = parseActions(p.DefaultActions, 'DefaultActions', (arn) => elb.groups.has(arn));
    elb.checkAssociation(listener.loadBalancerArn, action);
    listener.rules[0]!.action = action;
  }
  if (p.Port !== undefined && Number(p.Port) !== listener.port) {
    const port = integer(p.Port, 'Port', 1, 65535);
    plane.checkListenerPort(port);
    if ([...elb.listeners.values()].some((l) => l.port === port))
      throw new ElbError('DuplicateListener', `A listener already exists on port ${port}`);
    await plane.enableFrontend(listener.port, false);
    listener.port = port;
    await plane.enableFrontend(port, true);
  }
  await elb.route(plane);
  return { Listeners: [listenerShape(listener)] };
}

async function deleteListener(elb: ElbState, p: Doc, plane: DataPlane): Promise<Doc> {
  const listener = elb.listener(String(p.ListenerArn));
  elb.listeners.delete(listener.arn);
  await plane.enableFrontend(listener.port, false);
  await elb.route(plane);
  return {};
}

async function createRule(elb: ElbState, p: Doc, plane: DataPlane): Promise<Doc> {
  const listener = elb.listener(String(p.ListenerArn));
  const priority = integer(p.Priority, 'Priority', 1, 50000);
  const conditions = parseConditions(p.Conditions);
  const action = parseActions(p.Actions, 'Actions', (arn) => elb.groups.has(arn));
  if (listener.rules.some((r) => r.priority === priority))
    throw new ElbError('PriorityInUse', `Priority '${priority}' is currently in use`);
  elb.checkAssociation(listener.loadBalancerArn, action);
  const rule = newRule(elb, listener.arn, priority, conditions, action);
  listener.rules.push(rule);
  await elb.route(plane);
  return { Rules: [ruleShape(rule)] };
}

async function modifyRule(elb: ElbState, p: Doc, plane: DataPlane): Promise<Doc> {
  const { listener, rule } = elb.findRule(String(p.RuleArn));
  const conditions = p.Conditions ? parseConditions(p.Conditions) : rule.conditions;
  if (p.Conditions && rule.priority === 'default')
    throw new ElbError('OperationNotPermitted', 'Conditions cannot be set on the default rule');
  const action = p.Actions ? parseActions(p.Actions, 'Actions', (arn) => elb.groups.has(arn)) : rule.action;
  elb.checkAssociation(listener.loadBalancerArn, action);
  rule.conditions = conditions;
  rule.action = action;
  await elb.route(plane);
  return { Rules: [ruleShape(rule)] };
}

function describeRules(elb: ElbState, p: Doc): Doc {
  if (p.RuleArns?.length) return { Rules: p.RuleArns.map((arn: string) => ruleShape(elb.findRule(arn).rule)) };
  if (!p.ListenerArn) throw validationError('You must specify either listener ARN or rule ARNs');
  const listener = elb.listener(String(p.ListenerArn));
  const rules = [...listener.rules.slice(1)].sort((a, b) => Number(a.priority) - Number(b.priority));
  return { Rules: [...rules, listener.rules[0]!].map(ruleShape) };
}

async function deleteRule(elb: ElbState, p: Doc, plane: DataPlane): Promise<Doc> {
  const { listener, rule } = elb.findRule(String(p.RuleArn));
  if (rule.priority === 'default') throw new ElbError('OperationNotPermitted', 'The default rule cannot be deleted');
  listener.rules = listener.rules.filter((r) => r !== rule);
  await elb.route(plane);
  return {};
}

type Operation = (elb: ElbState, p: Doc, plane: DataPlane) => Promise<Doc> | Doc;

export const LISTENER_OPERATIONS: Record<string, Operation> = {
  CreateListener: createListener,
  DescribeListeners: describeListeners,
  ModifyListener: modifyListener,
  DeleteListener: deleteListener,
  CreateRule: createRule,
  ModifyRule: modifyRule,
  DescribeRules: describeRules,
  DeleteRule: deleteRule,
};
