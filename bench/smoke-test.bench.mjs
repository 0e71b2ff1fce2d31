// smoke-test: 20 checks against endpoints that each take 200 ms should finish in about one round of
// latency (they run concurrently), not twenty; and the action's cold start (a run that fails input
// validation) against bare `node -e 0`, both under Node 24, medians measured in this run.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';

const LATENCY_MS = 200;
const CHECKS = 20;

export default async function (ctx) {
  const dir = join(ctx.root, 'actions/smoke-test');
  const server = http.createServer((req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', path: req.url }));
    }, LATENCY_MS);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const checks = (n) =>
    Array.from(
      { length: n },
      (_, i) =>
        `- name: endpoint ${i + 1}\n  url: ${base}/e${i + 1}\n  expect: { json: [{ path: $.status, equals: ok }] }`,
    ).join('\n');
  const run = async (n) => {
    const result = await ctx.runAction(dir, { checks: checks(n) });
    if (result.exitCode !== 0) throw new Error(`smoke-test with ${n} checks failed:\n${result.log.slice(-2000)}`);
  };
  try {
    await run(1); // warm the file cache
    const one = await ctx.median(() => run(1), 5);
    const twenty = await ctx.median(() => run(CHECKS), 5);
    const bare = await ctx.median(() => new Promise((r) => spawn(ctx.node24, ['-e', '0']).on('close', r)), 9);
    let exitCode;
    const cold = await ctx.median(async () => {
      exitCode = (await ctx.runAction(dir, { checks: '- url: [unclosed' })).exitCode;
    }, 9);
    return [
      {
        name: `smoke-test: ${CHECKS} checks x ${LATENCY_MS} ms, wall time`,
        value: twenty.toFixed(0),
        unit: 'ms',
        note: `1 check: ${one.toFixed(0)} ms`,
      },
      {
        name: `smoke-test: ${CHECKS} checks vs 1 check (same process cost)`,
        value: (twenty / one).toFixed(2),
        unit: 'x',
        note: 'about 1 = one round of latency, not twenty',
      },
      {
        name: `smoke-test: ${CHECKS} checks wall vs one ${LATENCY_MS} ms round`,
        value: (twenty / LATENCY_MS).toFixed(2),
        unit: 'x',
        note: `includes process start; sequential would be ${CHECKS}x+`,
      },
      {
        name: `smoke-test: ${CHECKS} checks wall vs sequential ${CHECKS}x${LATENCY_MS} ms`,
        value: (twenty / (CHECKS * LATENCY_MS)).toFixed(2),
        unit: 'x',
      },
      {
        name: 'smoke-test: cold start (invalid input) vs node -e 0',
        value: (cold / bare).toFixed(2),
        unit: 'x',
        note: `${cold.toFixed(0)} ms vs ${bare.toFixed(0)} ms, exit ${exitCode}`,
      },
    ];
  } finally {
    server.close();
  }
}
