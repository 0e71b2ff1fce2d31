/**
 * deploy-ecs: validate, read the service, check its deployment controller, dispatch on the mode
 * (plan and deploy: deploy.ts, rollback: rollback.ts), then one verdict (outcome.ts), the outputs
 * and the summary (report.ts).
 */
import { setOutput } from '../../../shared/action.js';
import { ConfigurationError } from '../../../shared/errors.js';
import { group, info } from '../../../shared/log.js';
import { writeSummary } from '../../../shared/summary.js';
import type { EcsApi, ServiceState } from './api.js';
import { deploy, plan } from './deploy.js';
import { verifyImages } from './images.js';
import { getInputs, type Inputs } from './inputs.js';
import { conclude, type ModeResult, type Run } from './outcome.js';
import { lint } from './prepare.js';
import { buildSummary } from './report.js';
import { rollback } from './rollback.js';
import { applyOverrides } from './taskdef.js';

export async function main(): Promise<void> {
  const inputs = getInputs();
  const startedAt = Date.now();
  const deadline = startedAt + inputs.timeout;
  if (inputs.source.kind === 'file') {
    lint(
      applyOverrides(inputs.source.document, inputs.containerImages, inputs.environment),
      inputs.allowPlaintextSecrets,
    );
  }
  if (inputs.verifyImages) await verifyImages(inputs.containerImages);

  const { createEcsApi } = await import('./api.js');
  const api = await createEcsApi(inputs.awsRegion, inputs.cluster, inputs.service);
  const run: Run = { mode: inputs.mode, cluster: inputs.cluster, service: inputs.service };
  try {
    const service = await readService(api, inputs);
    run.previousTaskDefinitionArn = service.taskDefinition;
    run.result = await dispatch(api, inputs, service, deadline);
  } catch (error) {
    run.error = error;
  } finally {
    api.destroy();
  }
  const conclusion = conclude(run);
  for (const [name, value] of Object.entries(conclusion.outputs)) setOutput(name, value);
  await writeSummary((summary) => buildSummary(summary, run, conclusion, { apiCalls: api.calls, startedAt }));
  if (run.error) throw run.error;
  if (!conclusion.passed) throw new Error(`deployment ${conclusion.outcome}: ${conclusion.reason}`);
}

function dispatch(api: EcsApi, inputs: Inputs, service: ServiceState, deadline: number): Promise<ModeResult> {
  switch (inputs.mode) {
    case 'plan':
      return plan(api, inputs, service);
    case 'rollback':
      return rollback(api, inputs, service, deadline);
    case 'deploy':
      return deploy(api, inputs, service, deadline);
  }
}

async function readService(api: EcsApi, inputs: Inputs): Promise<ServiceState> {
  return group(`Read service ${inputs.service} in cluster ${inputs.cluster}`, async () => {
    const s = await api.describeService();
    info(
      `current task definition: ${s.taskDefinition}; deployments: ${s.deployments.map((d) => `${d.id} ${d.status} ${d.rolloutState}`).join(', ')}`,
    );
    requireRollingController(inputs.service, s.deploymentController);
    return s;
  });
}

/**
 * This action drives ECS rolling updates (UpdateService + the deployment it starts). A CODE_DEPLOY
 * service's task definition changes through CodeDeploy, an EXTERNAL one's through task sets: an
 * UpdateService there fails or does nothing, so say so before any change.
 * (ECS developer guide, "Amazon ECS deployment types"; DeploymentController in the API reference.)
 */
export function requireRollingController(service: string, controller: string): void {
  if (controller === 'ECS') return;
  const how =
    controller === 'CODE_DEPLOY'
      ? 'its deployments go through CodeDeploy (CreateDeployment with an AppSpec), not UpdateService'
      : 'its task sets are managed by an external controller (CreateTaskSet / UpdateServicePrimaryTaskSet)';
  throw new ConfigurationError(
    `service: ${service} uses the ${controller} deployment controller, and ${how}; expected a service with the ECS (rolling update) deployment controller`,
  );
}
