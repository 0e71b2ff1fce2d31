/** The job summary of a run: verdict, what was deployed, changes, stopped tasks and service events. */
import type * as core from '@actions/core';
import { formatDuration } from '../../../shared/duration.js';
import { table } from '../../../shared/summary.js';
import { type Conclusion, type Run, rolloutsOf } from './outcome.js';
import { targetGroupName } from './targets.js';
import { formatDiffLine } from './taskdef.js';

export interface RunStats {
  apiCalls: number;
  startedAt: number;
}

const shortId = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

export function buildSummary(summary: typeof core.summary, run: Run, conclusion: Conclusion, stats: RunStats): void {
  const { outcome, reason } = conclusion;
  const icon = outcome === 'succeeded' || outcome === 'planned' ? '✅' : outcome === 'rolled-back' ? '↩️' : '❌';
  summary.addHeading(`${icon} deploy-ecs ${run.mode}: ${run.service} (${outcome})`, 2);
  if (reason) summary.addRaw(`<p>${reason.replace(/</g, '&lt;')}</p>`, true);
  const result = run.result;
  const rollouts = rolloutsOf(result);
  const followed = rollouts.flatMap((r) => (r.result ? [{ ...r.result, purpose: r.purpose }] : []));
  const waited = followed.reduce((sum, f) => sum + (f.finishedAt - f.startedAt), 0);
  const resets = followed.reduce((sum, f) => sum + f.failureCountResets, 0);
  const registered = result?.mode === 'deploy' && result.registered;
  const deregistered = result?.mode === 'deploy' ? result.deregistered : [];
  summary.addTable(
    table(
      ['', ''],
      [
        ['cluster / service', `${run.cluster} / ${run.service}`],
        ['task definition', `${result?.taskDefinitionArn ?? '-'}${registered ? ' (registered)' : ''}`],
        ['previous', run.previousTaskDefinitionArn ?? '-'],
        ['deployment', rollouts[0]?.deploymentId ?? '-'],
        ['duration', formatDuration(Date.now() - stats.startedAt)],
        [
          'ECS API calls',
          `${stats.apiCalls} (${followed.reduce((s, f) => s + f.polls, 0)} polls over ${formatDuration(waited)})`,
        ],
        ...(deregistered.length ? [['deregistered', deregistered.join(', ')]] : []),
        ...(resets ? [['failed-task count resets', `${resets} (ECS forgave earlier failures once a task ran)`]] : []),
      ],
    ),
  );
  if (result?.mode === 'plan' && result.loadBalancers.length) {
    summary.addHeading('Load balancers', 3);
    summary.addTable(
      table(
        ['target group', 'container', 'port'],
        result.loadBalancers.map((lb) => [
          lb.targetGroupArn ?? lb.loadBalancerName ?? '-',
          lb.containerName ?? '-',
          String(lb.containerPort ?? '-'),
        ]),
      ),
    );
  }
  const changes = result
    ? [
        ...result.serviceDiff.map((l) => ({ ...l, path: `service.${l.path}` })),
        ...(result.mode === 'rollback' ? [] : result.diff),
      ]
    : [];
  if (changes.length) {
    summary.addHeading('Changes', 3);
    summary.addCodeBlock(changes.map(formatDiffLine).join('\n'), 'diff');
  }
  const targets = followed.flatMap((f) => (f.targets ?? []).map((t) => ({ ...t, purpose: f.purpose })));
  if (targets.length) {
    summary.addHeading('Target health', 3);
    summary.addTable(
      table(
        ['task', 'revision', 'target group', 'target', 'state', 'reason', 'ever healthy'],
        targets
          .slice(0, 30)
          .map((t) => [
            shortId(t.taskArn).slice(0, 12),
            shortId(t.taskDefinitionArn),
            targetGroupName(t.targetGroupArn),
            t.target,
            t.state,
            `${t.reason ?? ''}${t.description ? `: ${t.description}` : ''}`,
            t.everHealthy ? 'yes' : 'no',
          ]),
      ),
    );
  }
  const stopped = followed.flatMap((f) => f.stoppedTasks);
  if (stopped.length) {
    summary.addHeading('Stopped tasks', 3);
    summary.addTable(
      table(
        ['task', 'revision', 'stopped reason', 'containers'],
        stopped
          .slice(0, 30)
          .map((t) => [
            shortId(t.taskArn).slice(0, 12),
            shortId(t.taskDefinitionArn),
            t.stoppedReason,
            t.containers
              .map((c) => `${c.name}: exit code ${c.exitCode ?? '-'}${c.reason ? ` (${c.reason})` : ''}`)
              .join('; '),
          ]),
      ),
    );
  }
  const events = followed.flatMap((f) => f.events);
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
