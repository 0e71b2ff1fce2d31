// approve-gate against the GitHub emulator:
// - rate-limited (primary rate limit) API requests per hour of waiting, with conditional requests
//   at the default 15 s interval, against a plain 10 s poll of the comments (the popular action);
// - time from an approval comment to the step finishing (poll-interval 1 s).
import { join } from 'node:path';
import { loadEmulator } from '../local/emulators/github/load.mjs';

const REPO = 'org/example';
const TOKEN = 'ghs_benchInstallationToken';

export default async function (ctx) {
  const { GitHubEmulator } = await loadEmulator();
  const emulator = new GitHubEmulator();
  await emulator.listen(0);
  const run = ctx.runAction;
  const dir = join(ctx.root, 'actions/approve-gate');
  const env = {
    GITHUB_API_URL: emulator.url,
    GITHUB_REPOSITORY: REPO,
    GITHUB_ACTOR: 'octocat',
    GITHUB_TRIGGERING_ACTOR: 'octocat',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '1',
  };
  const seed = () => {
    emulator.reset();
    emulator.seed({
      users: [{ login: 'github-actions[bot]', type: 'Bot', installation: true, tokens: [TOKEN] }, { login: 'alice' }],
      repos: [
        {
          owner: 'org',
          name: 'example',
          private: true,
          collaborators: { alice: 'write', 'github-actions[bot]': 'write' },
        },
      ],
    });
  };
  const inputs = (extra) => ({ token: TOKEN, approvers: 'alice', 'fail-on-rejection': 'false', ...extra });
  const rows = [];
  try {
    // 1. Waiting with nobody deciding: what does each poll cost against the primary rate limit?
    seed();
    const result = await run(dir, inputs({ 'poll-interval': '200ms', timeout: '6s' }), env);
    if (!result.log.includes('decision=timed-out') && result.exitCode !== 0)
      throw new Error(`gate failed:\n${result.log}`);
    const firstPoll = emulator.log.findIndex((r) => r.path.endsWith('/comments'));
    const closing = emulator.log.findIndex((r) => r.method === 'POST' && r.path.endsWith('/comments'));
    const waiting = emulator.log.slice(firstPoll, closing);
    const polls = waiting.filter((r) => r.path.endsWith('/comments')).length;
    // The first poll reads everything once (200s); later ones are conditional.
    const firstCost = waiting.filter((r, i) => r.counted && i < 2).length;
    const laterCost = waiting.slice(2).filter((r) => r.counted).length;
    const perPoll = laterCost / Math.max(1, polls - 1);
    const gatePerHour = firstCost + perPoll * (3600 / 15);
    rows.push({
      name: 'approve-gate: rate-limited requests per hour of waiting (15s poll, ETag)',
      value: Math.round(gatePerHour * 10) / 10,
      unit: 'requests/h',
      note: `${polls} polls measured at 200ms: ${waiting.length} requests, ${waiting.filter((r) => r.status === 304).length} were 304 (free)`,
    });

    // 2. A plain poll of the comments every 10 s, no conditional requests (what the popular action does).
    const before = emulator.log.length;
    const issue = emulator.latestOpenIssue(REPO) ?? { number: 1 };
    for (let i = 0; i < 20; i++) {
      await fetch(`${emulator.url}/repos/${REPO}/issues/${issue.number}/comments`, {
        headers: { authorization: `token ${TOKEN}` },
      });
    }
    const plainPerPoll = emulator.log.slice(before).filter((r) => r.counted).length / 20;
    const plainPerHour = plainPerPoll * 360;
    rows.push({
      name: 'plain 10s poll: rate-limited requests per hour of waiting',
      value: plainPerHour,
      unit: 'requests/h',
    });
    rows.push({
      name: 'approve-gate rate-limit cost vs plain 10s poll',
      value: Math.round((gatePerHour / plainPerHour) * 1000) / 1000,
      unit: 'x',
    });

    // 3. Approval comment -> step finished, at a random phase of a 1 s poll interval.
    const latencies = [];
    for (let i = 0; i < 5; i++) {
      seed();
      let approvedAt = 0;
      const watcher = (async () => {
        while (!emulator.log.some((r) => r.path.endsWith('/comments'))) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 1000));
        approvedAt = Date.now();
        emulator.postComment(REPO, emulator.latestOpenIssue(REPO).number, 'alice', '/approve bench');
      })();
      const r = await run(dir, inputs({ 'poll-interval': '1s', timeout: '60s' }), env);
      const finishedAt = Date.now();
      await watcher;
      if (!r.log.includes('Approved by @alice')) throw new Error(`gate did not approve:\n${r.log.slice(-2000)}`);
      latencies.push(finishedAt - approvedAt);
    }
    latencies.sort((a, b) => a - b);
    rows.push({
      name: 'approve-gate: approval comment -> step finished (1s poll)',
      value: latencies[2],
      unit: 'ms',
      note: `median of 5 (min ${latencies[0]}, max ${latencies[4]}); about half the poll interval plus closing the issue`,
    });
  } finally {
    await emulator.close();
  }
  return rows;
}
