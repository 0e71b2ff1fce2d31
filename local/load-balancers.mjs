// The example's load balancers on the AWS emulator's ELBv2 (HAProxy carries the traffic), made
// idempotently before the first deploy as Terraform would: per environment one load balancer, per
// service a target group (health check on /health, a short deregistration delay) and a listener on
// the service's own port, forwarding to it. Listener ports must lie in the emulator's HAProxy pool
// (18000-18063, local/emulators/aws/README.md "ELBv2"); every load balancer is 127.0.0.1.
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';

// ALB's default is 300 s ("Deregistration delay", ALB User Guide): a drained example task has no
// long requests, so 5 s keeps a rolling deploy short while still draining before SIGTERM.
const DEREGISTRATION_DELAY_SECONDS = 5;

const client = (endpoint) =>
  new ElasticLoadBalancingV2Client({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 5,
  });

/** The resource, or undefined when ELBv2 answers `<notFoundCode>` (Describe by name of a missing one). */
async function find(send, command, notFoundCode) {
  try {
    return await send(command);
  } catch (error) {
    if (error?.name === notFoundCode || error?.Code === notFoundCode) return undefined;
    throw error;
  }
}

/**
 * Ensures `lbName` with one target group and listener per service of `ports` ({ backend: 18020, ... }).
 * `containerPorts` ({ backend: 3000, ... }) is each target group's port (the container's). Returns
 * { service: { targetGroupArn, port } }.
 */
export async function ensureLoadBalancer(endpoint, lbName, ports, containerPorts) {
  const elb = client(endpoint);
  const send = (command) => elb.send(command);
  const found = await find(send, new DescribeLoadBalancersCommand({ Names: [lbName] }), 'LoadBalancerNotFound');
  const lb =
    found?.LoadBalancers?.[0] ??
    (await send(new CreateLoadBalancerCommand({ Name: lbName, Subnets: ['subnet-0example'], Type: 'application' })))
      .LoadBalancers[0];
  const listeners = (await send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
  const result = {};
  for (const [service, port] of Object.entries(ports)) {
    const tgName = `${lbName}-${service}`;
    const existing = await find(send, new DescribeTargetGroupsCommand({ Names: [tgName] }), 'TargetGroupNotFound');
    const tg =
      existing?.TargetGroups?.[0] ??
      (
        await send(
          new CreateTargetGroupCommand({
            Name: tgName,
            Protocol: 'HTTP',
            Port: containerPorts[service],
            VpcId: 'vpc-0example',
            TargetType: 'ip',
            HealthCheckPath: '/health',
            HealthCheckIntervalSeconds: 5,
            HealthCheckTimeoutSeconds: 2,
            HealthyThresholdCount: 2,
            UnhealthyThresholdCount: 2,
          }),
        )
      ).TargetGroups[0];
    await send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tg.TargetGroupArn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: String(DEREGISTRATION_DELAY_SECONDS) }],
      }),
    );
    if (!listeners.some((l) => l.Port === port))
      await send(
        new CreateListenerCommand({
          LoadBalancerArn: lb.LoadBalancerArn,
          Protocol: 'HTTP',
          Port: port,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
        }),
      );
    result[service] = { targetGroupArn: tg.TargetGroupArn, port };
  }
  elb.destroy();
  return result;
}
