import * as core from '@actions/core';
import { afterEach, describe, expect, test } from '@jest/globals';
import type { EcsApi, ServiceState } from '../src/api.js';
import { type DeployResult, plan } from '../src/deploy.js';
import type { FollowResult } from '../src/follow.js';
import type { Inputs } from '../src/inputs.js';
import { conclude, type Run } from '../src/outcome.js';
import { buildSummary } from '../src/report.js';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-staging/0123456789abcdef';
const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/c/0123456789abcdef0123';
const TD2 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';
const TD1 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';

const service: ServiceState = {
  arn: 'arn:aws:ecs:us-east-1:123456789012:service/c/web',
  status: 'ACTIVE',
  taskDefinition: TD1,
  desiredCount: 2,
  deploymentController: 'ECS',
  deploymentConfiguration: {},
  loadBalancers: [{ targetGroupArn: TG, containerName: 'app', containerPort: 8080 }],
  tags: {},
  deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: TD1, rolloutState: 'COMPLETED' }],
  events: [],
};

afterEach(() => {
  core.summary.emptyBuffer();
});

describe('plan mode shows the load balancers', () => {
  test('target group, container and port, in the plan result and the summary', async () => {
    const definition = {
      taskDefinitionArn: TD1,
      family: 'web',
      status: 'ACTIVE',
      containerDefinitions: [{ name: 'app', image: 'repo/web:1' }],
    };
    const api = {
      describeTaskDefinition: async () => ({ taskDefinition: definition, tags: [] }),
    } as unknown as EcsApi;
    const inputs = {
      source: { kind: 'current' },
      containerImages: { app: 'repo/web:2' },
      environment: {},
      allowPlaintextSecrets: [],
    } as unknown as Inputs;
    const result = await plan(api, inputs, service);
    expect(result.loadBalancers).toEqual([{ targetGroupArn: TG, containerName: 'app', containerPort: 8080 }]);
    expect(result.diff.map((l) => l.path)).toEqual(['containerDefinitions[app].image']);
    const run: Run = { mode: 'plan', cluster: 'c', service: 'web', previousTaskDefinitionArn: TD1, result };
    buildSummary(core.summary, run, conclude(run), { apiCalls: 2, startedAt: Date.now() });
    const html = core.summary.stringify();
    expect(html).toContain('Load balancers');
    expect(html).toMatch(new RegExp(`<td>${TG}</td><td>app</td><td>8080</td>`));
  });
});

describe('the summary of a deploy behind a load balancer', () => {
  test('shows target health per task, with the reason of the one that never became healthy', () => {
    const followed: FollowResult = {
      outcome: 'timed-out',
      reason: 'deployment ecs-svc/2 did not complete',
      deploymentId: 'ecs-svc/2',
      events: [],
      stoppedTasks: [],
      polls: 3,
      throttled: 0,
      startedAt: 0,
      finishedAt: 30_000,
      failureCountResets: 1,
      targets: [
        {
          taskArn: TASK,
          taskDefinitionArn: TD2,
          targetGroupArn: TG,
          target: '10.0.1.6:8080',
          state: 'unhealthy',
          reason: 'Target.FailedHealthChecks',
          description: 'Health checks failed',
          everHealthy: false,
        },
      ],
    };
    const result: DeployResult = {
      mode: 'deploy',
      taskDefinitionArn: TD2,
      registered: true,
      diff: [],
      serviceDiff: [],
      deregistered: [],
      rollout: { purpose: 'deploy', taskDefinition: TD2, deploymentId: 'ecs-svc/2', result: followed },
    };
    const run: Run = { mode: 'deploy', cluster: 'c', service: 'web', previousTaskDefinitionArn: TD1, result };
    const conclusion = conclude(run);
    expect(conclusion).toMatchObject({ outcome: 'timed-out', passed: false });
    buildSummary(core.summary, run, conclusion, { apiCalls: 9, startedAt: Date.now() });
    const html = core.summary.stringify();
    expect(html).toContain('Target health');
    expect(html).toContain(
      '<td>0123456789ab</td><td>web:2</td><td>web-staging</td><td>10.0.1.6:8080</td><td>unhealthy</td><td>Target.FailedHealthChecks: Health checks failed</td><td>no</td>',
    );
    expect(html).toContain('(timed-out)');
    expect(html).toContain(
      '<td>failed-task count resets</td><td>1 (ECS forgave earlier failures once a task ran)</td>',
    );
  });
});
