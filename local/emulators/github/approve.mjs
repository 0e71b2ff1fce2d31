#!/usr/bin/env node
// Posts `/approve [reason]` (or `/deny`) as a user on the newest open issue of a repository in the
// running GitHub emulator, as the local pipeline runner's `--approve-as <login>` does.
// Usage: node local/emulators/github/approve.mjs --as alice [--repo org/app] [--issue 3] [--reason "ok"] [--deny]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const url = process.env.GITHUB_API_URL ?? readFileSync(join(root, '.local/emulators/github/url'), 'utf8').trim();
const user = option('as');
const repo = option('repo') ?? process.env.GITHUB_REPOSITORY;
if (!user || !repo) {
  console.error('usage: approve.mjs --as <login> --repo <owner/name> [--issue N] [--reason text] [--deny]');
  process.exit(2);
}
const response = await fetch(`${url}/_emulator/${args.includes('--deny') ? 'deny' : 'approve'}`, {
  method: 'POST',
  body: JSON.stringify({ repo, user, issue: option('issue'), reason: option('reason') }),
});
const body = await response.json();
if (!response.ok) {
  console.error(`emulator answered ${response.status}: ${body.message}`);
  process.exit(1);
}
console.log(`@${user} commented "${body.body}" on ${body.html_url}`);
