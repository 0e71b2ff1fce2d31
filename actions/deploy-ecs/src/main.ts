import * as core from '@actions/core';
import { setOutput } from '../../../shared/action.js';
import { isThrottling } from '../../../shared/aws.js';
import { systemClock } from '../../../shared/clock.js';
import { formatDuration } from '../../../shared/duration.js';
import { ConfigurationError, errorMessage } from '../../../shared/errors.js';
import { group } from '../../../shared/log.js';
import { registerSecret } from '../../../shared/secrets.js';
import { table, writeSummary } from '../../../shared/summary.js';
import type { EcsApi, ServiceState } from './api.js';
import { describeStoppedTask, type FollowResult, follow, type Outcome } from './follow.js';
import { verifyImages } from './images.js';
import { getInputs, type Inputs } from './inputs.js';
import {
  applyOverrides,
  type DiffLine,
  diff,
  formatDiffLine,
  type Json,
  lintSecrets,
  parseRevisionArn,
  previousRevision,
  registrable,
  revisionsToDeregister,
  sameDefinition,
} from './taskdef.js';

interface Report {
  mode: Inputs['mode'];
  cluster: string;
  service: string;
  taskDefinitionArn?: string;
  previousTaskDefinitionArn?: string;
  registered: boolean;
  diff: DiffLine[];
  serviceDiff: DiffLine[];
  follows: (FollowResult & { purpose: string })[];
  outcome?: Outcome | 'planned' | 'unchanged';
  reason?: string;
  deregistered: string[];
  apiCalls: number;
  startedAt: number;
}

function lint(document: Json, inputs: Inputs): void {
  const findings = lintSecrets(document, inputs.allowPlaintextSecrets);
  for (const finding of findings) registerSecret(finding.value);
  if (findings.length) {
    throw new ConfigurationError(
      findings.map(
        (f) =>
          `task-definition: container "${f.container}" has a plaintext secret in environment variable ${f.name} (${f.why}); expected it in secrets[].valueFrom (Secrets Manager or SSM Parameter Store), or its name in allow-plaintext-secrets`,
      ),
    );
  }
}

export async function main(): Promise<void> {
  const inputs = getInputs();
  const report: Report = {
    mode: inputs.mode,
    cluster: inputs.cluster,
    service: inputs.service,
    registered: false,
    diff: [],
    serviceDiff: [],
    follows: [],
    deregistered: [],
    apiCalls: 0,
    startedAt: Date.now(),
  };
  const deadline = Date.now() + inputs.timeout;
  if (inputs.source.kind === 'file') {
    lint(applyOverrides(inputs.source.document, inputs.containerImages, inputs.environment), inputs);
  }
  if (inputs.verifyImages) await verifyImages(inputs.containerImages);

  const { createEcsApi } = await import('./api.js');
  const api = await createEcsApi(inputs.awsRegion, inputs.cluster, inputs.service);
  try {
    await run(api, inputs, report, deadline);
  } finally {
    report.apiCalls = api.calls;
    api.destroy();
    setOutput('task-definition-arn', report.taskDefinitionArn ?? '');
    setOutput('previous-task-definition-arn', report.previousTaskDefinitionArn ?? '');
    setOutput('deployment-id', report.follows[0]?.deploymentId ?? '');
    setOutput('outcome', report.outcome ?? 'failed');
    await writeSummary((summary) => buildSummary(summary, report));
  }
  if (report.outcome && !['succeeded', 'planned', 'unchanged'].includes(report.outcome)) {
    throw new Error(`deployment ${report.outcome}: ${report.reason}`);
  }
}

async function run(api: EcsApi, inputs: Inputs, report: Report, deadline: number): Promise<void> {
  const service = await group(`Read service ${inputs.service} in cluster ${inputs.cluster}`, async () => {
    const s = await api.describeService();
    core.info(
      `current task definition: ${s.taskDefinition}; deployments: ${s.deployments.map((d) => `${d.id} ${d.status} ${d.rolloutState}`).join(', ')}`,
    );
    return s;
  });
  report.previousTaskDefinitionArn = service.taskDefinition;

  if (inputs.mode === 'rollback') return rollback(api, inputs, report, service, deadline);

  const target = await group('Prepare the task definition', () => prepare(api, inputs, report, service));
  report.taskDefinitionArn = target.arn;
  const desiredChanged = inputs.desiredCount !== undefined && inputs.desiredCount !== service.desiredCount;
  if (desiredChanged) {
    report.serviceDiff.push({
      path: 'desiredCount',
      before: String(service.desiredCount),
      after: String(inputs.desiredCount),
    });
  }
  if (target.arn !== service.taskDefinition || target.document) {
    report.serviceDiff.push({
      path: 'taskDefinition',
      before: service.taskDefinition,
      after: target.arn ?? '(new revision)',
    });
  }
  if (inputs.mode === 'plan') {
    report.outcome = 'planned';
    report.reason = report.diff.length || report.serviceDiff.length ? 'changes shown, nothing applied' : 'no changes';
    core.info(
      `plan: ${report.diff.length} task definition change(s), ${report.serviceDiff.length} service change(s); nothing was changed`,
    );
    for (const line of [...report.diff, ...report.serviceDiff]) core.info(`  ${formatDiffLine(line)}`);
    return;
  }
  if (target.document) {
    report.taskDefinitionArn = await group('Register the task definition', async () => {
      const arn = await api.register(target.document!);
      core.info(`registered ${arn}`);
      return arn;
    });
    report.registered = true;
  }
  const arn = report.taskDefinitionArn!;
  const primary = service.deployments.find((d) => d.status === 'PRIMARY');
  if (
    arn === service.taskDefinition &&
    !inputs.forceNewDeployment &&
    !desiredChanged &&
    primary?.rolloutState === 'COMPLETED' &&
    service.deployments.length === 1
  ) {
    report.reason = `service already runs ${arn} (deployment ${primary.id} completed); nothing to deploy`;
    core.info(report.reason);
    report.outcome = 'succeeded';
    return;
  }
  if (arn !== service.taskDefinition) await recordRollbackTarget(api, service);
  const result = await deployAndFollow(api, inputs, report, arn, deadline, 'deploy', arn === service.taskDefinition);
  if (!result) return;
  if (result.outcome === 'succeeded') {
    if (inputs.keepRevisions > 0) await cleanup(api, inputs, report);
    return;
  }
  if (!inputs.rollbackOnFailure) return;
  if (result.outcome === 'rolled-back') {
    // ECS's circuit breaker started the rollback; see it through.
    const now = await api.describeService();
    const rollbackDeployment = now.deployments.find((d) => d.status === 'PRIMARY');
    if (rollbackDeployment) {
      const followed = await followDeployment(
        api,
        inputs,
        rollbackDeployment.id,
        Date.now() + inputs.timeout,
        'circuit breaker rollback',
      );
      report.follows.push({ ...followed, purpose: 'circuit breaker rollback' });
      report.reason = `${result.reason}; the rollback ${followed.outcome === 'succeeded' ? 'completed' : `did not complete (${followed.outcome}: ${followed.reason})`}`;
    }
    return;
  }
  if (result.outcome === 'superseded') return;
  const previous = report.previousTaskDefinitionArn;
  if (!previous || previous === arn) {
    core.warning('rollback-on-failure: there is no previous task definition to go back to');
    return;
  }
  const back = await deployAndFollow(api, inputs, report, previous, Date.now() + inputs.timeout, 'rollback', false);
  report.reason = `${result.reason}; rolled back to ${previous}${back && back.outcome !== 'succeeded' ? `, but the rollback ${back.outcome}: ${back.reason}` : ''}`;
  report.outcome = back?.outcome === 'succeeded' ? 'rolled-back' : 'failed';
}

/** The definition to deploy: an existing revision (arn) or a document to register (and its diff). */
async function prepare(
  api: EcsApi,
  inputs: Inputs,
  report: Report,
  service: ServiceState,
): Promise<{ arn?: string; document?: Json }> {
  const current = await api.describeTaskDefinition(service.taskDefinition);
  if (inputs.source.kind === 'revision') {
    const chosen = await api.describeTaskDefinition(inputs.source.reference);
    if (chosen.taskDefinition.status === 'INACTIVE') {
      throw new Error(`task definition ${chosen.taskDefinition.taskDefinitionArn} is INACTIVE (deregistered)`);
    }
    report.diff = diff(current.taskDefinition, chosen.taskDefinition);
    core.info(`deploying the registered revision ${chosen.taskDefinition.taskDefinitionArn}`);
    return { arn: chosen.taskDefinition.taskDefinitionArn };
  }
  let base: Json;
  if (inputs.source.kind === 'file') {
    base = inputs.source.document;
    core.info(`task definition from ${inputs.source.path} (family ${base.family})`);
  } else {
    base = registrable(current.taskDefinition, current.tags);
    core.info(`task definition from the service's current one, ${service.taskDefinition}`);
    const problems = (await import('./taskdef.js')).overrideProblems(base, inputs.containerImages, inputs.environment);
    if (problems.length) throw new ConfigurationError(problems);
  }
  const document = applyOverrides(base, inputs.containerImages, inputs.environment);
  if (!document.tags?.length && current.taskDefinition.family === document.family && current.tags.length) {
    document.tags = current.tags;
  }
  lint(document, inputs);
  report.diff = diff(current.taskDefinition, document);
  for (const line of report.diff) core.info(formatDiffLine(line));
  if (sameDefinition(document, current.taskDefinition)) {
    core.info(`unchanged: the definition equals the current revision ${service.taskDefinition}; reusing it`);
    return { arn: service.taskDefinition };
  }
  // A re-run after a failed deploy: the newest revision of the family may already be this one.
  const latest = await api.describeTaskDefinition(document.family).catch(() => undefined);
  if (
    latest &&
    latest.taskDefinition.taskDefinitionArn !== service.taskDefinition &&
    sameDefinition(document, latest.taskDefinition)
  ) {
    core.info(
      `unchanged: the definition equals the latest revision ${latest.taskDefinition.taskDefinitionArn}; reusing it`,
    );
    return { arn: latest.taskDefinition.taskDefinitionArn };
  }
  core.info(`${report.diff.length} change(s) against ${service.taskDefinition}: a new revision will be registered`);
  return { document };
}

async function deployAndFollow(
  api: EcsApi,
  inputs: Inputs,
  report: Report,
  taskDefinition: string,
  deadline: number,
  purpose: string,
  force: boolean,
): Promise<FollowResult | undefined> {
  const started = Date.now();
  const updated = await group(`Update the service (${purpose}) to ${taskDefinition}`, async () => {
    const s = await api.update({
      taskDefinition,
      desiredCount: purpose === 'deploy' ? inputs.desiredCount : undefined,
      force: force || inputs.forceNewDeployment,
    });
    return s;
  });
  const deployment = updated.deployments.find((d) => d.status === 'PRIMARY');
  if (!deployment) throw new Error('UpdateService answered without a PRIMARY deployment');
  core.info(`deployment ${deployment.id} started (${purpose})`);
  if (!inputs.wait) {
    report.follows.push({
      outcome: 'succeeded',
      reason: 'not followed (wait: false)',
      deploymentId: deployment.id,
      events: [],
      stoppedTasks: [],
      polls: 0,
      throttled: 0,
      startedAt: started,
      finishedAt: started,
      purpose,
    });
    report.outcome = 'succeeded';
    report.reason = `deployment ${deployment.id} started; not followed (wait: false)`;
    return undefined;
  }
  const result = await followDeployment(api, inputs, deployment.id, deadline, purpose, started - 1000);
  report.follows.push({ ...result, purpose });
  report.outcome = result.outcome;
  report.reason = result.reason;
  return result;
}

async function followDeployment(
  api: EcsApi,
  inputs: Inputs,
  deploymentId: string,
  deadline: number,
  purpose: string,
  since = Date.now() - 1000,
): Promise<FollowResult> {
  return group(`Follow deployment ${deploymentId} (${purpose})`, async () => {
    const result = await follow(api, {
      deploymentId,
      deadline,
      since,
      pollIntervalMs: inputs.pollInterval,
      maxFailedTasks: inputs.maxFailedTasks,
      clock: systemClock,
      isThrottling,
      isTransient: (error) => {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        return (
          (status !== undefined && status >= 500) || /ECONN|ETIMEDOUT|socket|TimeoutError/i.test(errorMessage(error))
        );
      },
      log: {
        event: (e) => core.info(`[event ${new Date(e.createdAt).toISOString().slice(11, 19)}] ${e.message}`),
        stopped: (t) => core.warning(describeStoppedTask(t), { title: 'ECS task stopped' }),
        warn: (message) => core.warning(message),
      },
    });
    const line = `deployment ${deploymentId}: ${result.outcome} (${result.reason}) after ${formatDuration(result.finishedAt - result.startedAt)}, ${result.polls} poll(s)`;
    if (result.outcome === 'succeeded') core.info(line);
    else core.error(line);
    return result;
  });
}

/**
 * The service tag that remembers what ran before the last deploy. A rollback in a later job (after a
 * failed smoke test) goes back there; "the previous revision number" would be wrong after an earlier
 * rolled-back deploy, whose revision is newer than what runs but is the bad one.
 */
const ROLLBACK_TARGET_TAG = 'deploy-actions:rollback-target';

async function recordRollbackTarget(api: EcsApi, service: ServiceState): Promise<void> {
  try {
    await api.tagService(service.arn, { [ROLLBACK_TARGET_TAG]: service.taskDefinition });
  } catch (error) {
    // Not worth failing a deploy over; a later rollback then falls back to the previous revision.
    core.warning(
      `could not tag the service with its rollback target (${errorMessage(error)}); allow ecs:TagResource on the service`,
    );
  }
}

async function rollback(
  api: EcsApi,
  inputs: Inputs,
  report: Report,
  service: ServiceState,
  deadline: number,
): Promise<void> {
  const target = await group('Choose the rollback target', async () => {
    if (inputs.source.kind === 'revision') {
      const { taskDefinition } = await api.describeTaskDefinition(inputs.source.reference);
      return taskDefinition.taskDefinitionArn as string;
    }
    const older = service.deployments.find(
      (d) => d.status !== 'PRIMARY' && d.taskDefinition !== service.taskDefinition,
    );
    if (older) return older.taskDefinition;
    const recorded = service.tags[ROLLBACK_TARGET_TAG];
    if (recorded) {
      core.info(`the service ran ${recorded} before its last deploy (tag ${ROLLBACK_TARGET_TAG})`);
      return recorded;
    }
    core.warning(
      `no recorded revision from before the last deploy (tag ${ROLLBACK_TARGET_TAG}); going back to the newest older revision of the family`,
    );
    const family = parseRevisionArn(service.taskDefinition)?.family;
    const previous = family ? previousRevision(await api.listRevisions(family), service.taskDefinition) : undefined;
    if (!previous)
      throw new Error(
        `no ACTIVE revision older than ${service.taskDefinition} to roll back to; name one in task-definition`,
      );
    return previous;
  });
  report.taskDefinitionArn = target;
  const primary = service.deployments.find((d) => d.status === 'PRIMARY');
  if (target === service.taskDefinition && inputs.source.kind === 'current' && primary?.rolloutState === 'COMPLETED') {
    // e.g. its own deploy already rolled back (rollback-on-failure) before a rollback of the whole environment.
    report.outcome = 'succeeded';
    report.reason = `service already runs ${target}, what it ran before its last deploy; nothing to roll back`;
    core.info(report.reason);
    return;
  }
  core.info(`rolling back from ${service.taskDefinition} to ${target}`);
  report.serviceDiff.push({ path: 'taskDefinition', before: service.taskDefinition, after: target });
  await deployAndFollow(api, inputs, report, target, deadline, 'rollback', target === service.taskDefinition);
}

async function cleanup(api: EcsApi, inputs: Inputs, report: Report): Promise<void> {
  await group(`Keep the last ${inputs.keepRevisions} revisions`, async () => {
    const family = parseRevisionArn(report.taskDefinitionArn!)?.family;
    if (!family) return;
    const [revisions, service, inUse] = await Promise.all([
      api.listRevisions(family),
      api.describeService(),
      api.revisionsInUse(family),
    ]);
    const protectedArns = [
      report.taskDefinitionArn!,
      report.previousTaskDefinitionArn ?? '',
      service.tags[ROLLBACK_TARGET_TAG] ?? '',
      service.taskDefinition,
      ...service.deployments.map((d) => d.taskDefinition),
      ...inUse,
    ];
    const doomed = revisionsToDeregister(revisions, family, inputs.keepRevisions, protectedArns);
    for (const arn of doomed) {
      await api.deregister(arn);
      report.deregistered.push(arn);
      core.info(`deregistered ${arn}`);
    }
    if (!doomed.length) core.info(`nothing to deregister (${revisions.length} ACTIVE revision(s) of ${family})`);
  });
}

function buildSummary(summary: typeof core.summary, report: Report): void {
  const outcome = report.outcome ?? 'failed';
  const icon = outcome === 'succeeded' || outcome === 'planned' ? '✅' : outcome === 'rolled-back' ? '↩️' : '❌';
  summary.addHeading(`${icon} deploy-ecs ${report.mode}: ${report.service} (${outcome})`, 2);
  if (report.reason) summary.addRaw(`<p>${report.reason.replace(/</g, '&lt;')}</p>`, true);
  const follow = report.follows[0];
  const waited = report.follows.reduce((sum, f) => sum + (f.finishedAt - f.startedAt), 0);
  summary.addTable(
    table(
      ['', ''],
      [
        ['cluster / service', `${report.cluster} / ${report.service}`],
        ['task definition', `${report.taskDefinitionArn ?? '-'}${report.registered ? ' (registered)' : ''}`],
        ['previous', report.previousTaskDefinitionArn ?? '-'],
        ['deployment', follow?.deploymentId ?? '-'],
        ['duration', formatDuration(Date.now() - report.startedAt)],
        [
          'ECS API calls',
          `${report.apiCalls} (${report.follows.reduce((s, f) => s + f.polls, 0)} polls over ${formatDuration(waited)})`,
        ],
        ...(report.deregistered.length ? [['deregistered', report.deregistered.join(', ')]] : []),
      ],
    ),
  );
  const changes = [...report.serviceDiff.map((l) => ({ ...l, path: `service.${l.path}` })), ...report.diff];
  if (changes.length) {
    summary.addHeading('Changes', 3);
    summary.addCodeBlock(changes.map(formatDiffLine).join('\n'), 'diff');
  }
  const stopped = report.follows.flatMap((f) => f.stoppedTasks);
  if (stopped.length) {
    summary.addHeading('Stopped tasks', 3);
    summary.addTable(
      table(
        ['task', 'revision', 'stopped reason', 'containers'],
        stopped
          .slice(0, 30)
          .map((t) => [
            t.taskArn.slice(t.taskArn.lastIndexOf('/') + 1, t.taskArn.lastIndexOf('/') + 13),
            t.taskDefinitionArn.slice(t.taskDefinitionArn.lastIndexOf('/') + 1),
            t.stoppedReason,
            t.containers
              .map((c) => `${c.name}: exit code ${c.exitCode ?? '-'}${c.reason ? ` (${c.reason})` : ''}`)
              .join('; '),
          ]),
      ),
    );
  }
  const events = report.follows.flatMap((f) => f.events.map((e) => ({ ...e, purpose: f.purpose })));
  if (events.length) {
    summary.addHeading('Service events', 3);
    summary.addTable(
      table(
        ['time (UTC)', 'event'],
        events.slice(-50).map((e) => [new Date(e.createdAt).toISOString().slice(11, 19), e.message]),
      ),
    );
  }
}
