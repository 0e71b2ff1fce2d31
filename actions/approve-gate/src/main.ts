import { ActionFailed, setOutput } from '../../../shared/action.js';
import { systemClock } from '../../../shared/clock.js';
import { formatDuration } from '../../../shared/duration.js';
import { group, info, infoLines } from '../../../shared/log.js';
import { runUrl, table, writeSummary } from '../../../shared/summary.js';
import type { Vote } from './decision.js';
import { createGateApi } from './github.js';
import { getInputs, type Inputs } from './inputs.js';
import { type RequestFacts, render, requestVariables } from './request.js';
import { type Outcome, waitForDecision } from './wait.js';

export async function main(): Promise<void> {
  const inputs = getInputs();
  const clock = systemClock;
  const started = clock.now();
  const { owner, repo } = inputs.repository;
  const excluded = inputs.allowSelfApproval ? [] : inputs.actors;

  const { getOctokit } = await import('@actions/github');
  let deadline = started + inputs.timeoutMs;
  // Retries may run a little past the deadline, so closing the issue after a timeout still gets them.
  const api = createGateApi(getOctokit(inputs.token), { owner, repo, clock, deadline: () => deadline + 120_000 });

  if (inputs.approvers.teams.length) {
    await group('Check the approver teams', async () => {
      for (const team of inputs.approvers.teams) await api.checkTeam(team);
      info(`teams readable: ${inputs.approvers.teams.join(', ')}`);
    });
  }

  const facts: RequestFacts = {
    environment: inputs.environment,
    repository: `${owner}/${repo}`,
    serverUrl: process.env.GITHUB_SERVER_URL ?? 'https://github.com',
    sha: process.env.GITHUB_SHA ?? '',
    ref: (process.env.GITHUB_REF ?? '').replace(/^refs\/(heads|tags)\//, ''),
    actor: process.env.GITHUB_ACTOR ?? '',
    runUrl: runUrl(),
    deadline: new Date(deadline),
    timeoutMs: inputs.timeoutMs,
    commitRange: inputs.commitRange,
    images: inputs.images,
    migrationPlan: inputs.migrationPlan,
    lintFindings: inputs.lintFindings,
    smokeResults: inputs.smokeResults,
    users: inputs.approvers.users,
    teams: inputs.approvers.teams,
    minimum: inputs.minimumApprovals,
    groupQuorum: inputs.groupQuorum,
    permission: inputs.permission,
    anyoneWithPermission: inputs.anyoneWithPermission,
    allowSelfApproval: inputs.allowSelfApproval,
    excluded,
  };

  const issue = await group('Open the approval request', async () => {
    const vars = requestVariables(facts);
    const created = await api.createIssue({
      title: render(inputs.title, vars).slice(0, 256),
      body: render(inputs.body, vars),
      assignees: inputs.approvers.users.filter((u) => !excluded.includes(u)),
      labels: inputs.labels,
    });
    info(`Approval request: ${created.url}`);
    return created;
  });
  setOutput('issue-url', issue.url);
  setOutput('issue-number', String(issue.number));
  // The deadline counts from the request.
  deadline = clock.now() + inputs.timeoutMs;

  const outcome = await group(`Wait for a decision (up to ${formatDuration(inputs.timeoutMs)})`, () =>
    waitForDecision({
      api,
      clock,
      intervalMs: inputs.pollIntervalMs,
      deadline,
      requestedAt: issue.createdAt,
      requester: issue.author,
      excluded,
      eligibility: {
        users: inputs.approvers.users,
        teams: inputs.approvers.teams,
        permission: inputs.permission,
        anyoneWithPermission: inputs.anyoneWithPermission,
      },
      quorum: { minimum: inputs.minimumApprovals, groupQuorum: inputs.groupQuorum },
    }),
  );
  const waitedMs = clock.now() - started;

  const decisionText = describe(outcome, inputs);
  await group('Close the approval request', async () => {
    if ('closedBy' in outcome && outcome.closedBy !== undefined) {
      info('The issue was closed by hand; leaving it closed');
    } else {
      await api.comment(decisionText);
      await api.close(outcome.decision === 'approved' ? 'completed' : 'not_planned');
    }
    const c = api.counters;
    info(
      `GitHub API: ${c.requests} requests, ${c.notModified} answered 304 (free), ${c.rateLimited} rate-limited, ${c.retries} retries`,
    );
  });

  const approvers = outcome.approvals.map(voteJson);
  setOutput('decision', outcome.decision);
  setOutput('approvers', approvers);
  setOutput('denied-by', outcome.decision === 'denied' && outcome.denial ? voteJson(outcome.denial) : '');
  infoLines(decisionText.replace(/\*\*/g, ''));

  await writeSummary((summary) => {
    summary.addHeading(`Approval gate: ${outcome.decision}`, 2);
    summary.addRaw(`${decisionText}\n\n`);
    summary.addRaw(
      `Request: [${owner}/${repo}#${issue.number}](${issue.url}) · waited ${formatDuration(waitedMs)}\n\n`,
    );
    const votes = [...outcome.approvals, ...(outcome.decision === 'denied' && outcome.denial ? [outcome.denial] : [])];
    if (votes.length) {
      summary.addTable(
        table(
          ['decision', 'login', 'time', 'reason'],
          votes.map((v) => [v.kind, `@${v.login}`, v.time, v.reason]),
        ),
      );
    }
    if (outcome.ignored.length) {
      summary.addHeading('Ignored commands', 3);
      summary.addTable(
        table(
          ['login', 'why'],
          outcome.ignored.map((i) => [`@${i.login}`, i.why]),
        ),
      );
    }
  });

  if (outcome.decision !== 'approved' && inputs.failOnRejection) {
    throw new ActionFailed(
      `Deployment to ${inputs.environment} was not approved: ${decisionText.replace(/\*\*/g, '')}`,
    );
  }
}

const voteJson = (v: Vote) => ({ login: v.login, time: v.time, reason: v.reason });

function describe(outcome: Outcome, inputs: Inputs): string {
  const who = (votes: Vote[]) => votes.map((v) => `@${v.login}${v.reason ? ` (${v.reason})` : ''}`).join(', ');
  switch (outcome.decision) {
    case 'approved':
      return `**Approved** by ${who(outcome.approvals)}. Deploying to \`${inputs.environment}\`.`;
    case 'denied':
      if (outcome.denial)
        return `**Denied** by ${who([outcome.denial])}. The deployment to \`${inputs.environment}\` stops.`;
      return `**Denied**: the request was closed${outcome.closedBy ? ` by @${outcome.closedBy}` : ''} without approval.`;
    case 'timed-out':
      return `**Timed out** after ${formatDuration(inputs.timeoutMs)} without a decision (approvals: ${who(outcome.approvals) || 'none'}; still needed: ${outcome.missing.join(', ')}).`;
  }
}
