/** The approval request: title and body templates, and the markdown that shows what is deployed. */
import { formatDuration } from '../../../shared/duration.js';

export const VARIABLES = [
  'environment',
  'repository',
  'sha',
  'short-sha',
  'ref',
  'actor',
  'run-url',
  'deadline',
  'minimum',
  'approvers',
  'deployment',
  'instructions',
] as const;
export type Variables = Record<(typeof VARIABLES)[number], string>;

const PLACEHOLDER = /\{\{\s*([a-z-]+)\s*\}\}/g;

export function templateProblem(template: string): string | undefined {
  const unknown = [...template.matchAll(PLACEHOLDER)]
    .map((m) => m[1]!)
    .filter((v) => !(VARIABLES as readonly string[]).includes(v));
  if (unknown.length === 0) return undefined;
  return `unknown placeholder {{ ${unknown[0]} }}; expected one of ${VARIABLES.map((v) => `{{ ${v} }}`).join(', ')}`;
}

export const render = (template: string, vars: Variables): string =>
  template.replace(PLACEHOLDER, (_, name: keyof Variables) => vars[name] ?? '');

export interface RequestFacts {
  environment: string;
  repository: string;
  serverUrl: string;
  sha: string;
  ref: string;
  actor: string;
  runUrl?: string;
  deadline: Date;
  timeoutMs: number;
  commitRange: string;
  images: Record<string, string>;
  migrationPlan: string;
  lintFindings: string;
  smokeResults: string;
  users: string[];
  teams: string[];
  minimum: number;
  groupQuorum: Record<string, number>;
  permission: string;
  anyoneWithPermission: boolean;
  allowSelfApproval: boolean;
  excluded: string[];
}

const cellText = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const fence = (text: string) => {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}\n${text.trim()}\n${ticks}`;
};
/** Markdown is shown as is; anything that looks like JSON or tool output goes in a code block. */
const block = (text: string) => (/^\s*[[{]/.test(text) || !/[#*|_]/.test(text) ? fence(text) : text.trim());
const details = (summary: string, text: string, open = false) =>
  `<details${open ? ' open' : ''}><summary>${summary}</summary>\n\n${block(text)}\n\n</details>`;

export function mentionList(users: string[], teams: string[]): string {
  return [...users, ...teams].map((a) => `@${a}`).join(', ');
}

export function deploymentSection(f: RequestFacts): string {
  const repoUrl = `${f.serverUrl}/${f.repository}`;
  const rows: [string, string][] = [
    ['Environment', `\`${f.environment}\``],
    ['Repository', `[${f.repository}](${repoUrl})`],
  ];
  if (f.sha)
    rows.push(['Commit', `[\`${f.sha.slice(0, 7)}\`](${repoUrl}/commit/${f.sha})${f.ref ? ` on \`${f.ref}\`` : ''}`]);
  if (f.commitRange) {
    const [base, head] = f.commitRange.split(/\.{2,3}/);
    rows.push([
      'Changes',
      `[\`${base!.slice(0, 12)}...${head!.slice(0, 12)}\`](${repoUrl}/compare/${base}...${head}) (from [\`${base!.slice(0, 12)}\`](${repoUrl}/commit/${base}) to [\`${head!.slice(0, 12)}\`](${repoUrl}/commit/${head}))`,
    ]);
  }
  if (f.runUrl) rows.push(['Workflow run', `[${f.runUrl.split('/').pop()}](${f.runUrl})`]);
  if (f.actor) rows.push(['Requested by', `@${f.actor}`]);
  rows.push([
    'Deadline',
    `${f.deadline.toISOString().replace('.000Z', 'Z')} (${formatDuration(f.timeoutMs)} after the request)`,
  ]);

  const parts = [`### Deployment to \`${f.environment}\` waits for approval`, '', '| | |', '|---|---|'];
  for (const [k, v] of rows) parts.push(`| ${k} | ${cellText(v)} |`);
  const images = Object.entries(f.images);
  if (images.length) {
    parts.push('', '#### Images', '', '| service | image | digest |', '|---|---|---|');
    for (const [service, ref] of images) {
      const at = ref.indexOf('@');
      parts.push(
        `| ${cellText(service)} | \`${cellText(at > 0 ? ref.slice(0, at) : ref)}\` | ${at > 0 ? `\`${ref.slice(at + 1)}\`` : '(no digest)'} |`,
      );
    }
  }
  if (f.migrationPlan) parts.push('', '#### Database migrations', '', details('Migration plan', f.migrationPlan, true));
  if (f.lintFindings) parts.push('', '#### Migration lint findings', '', details('Findings', f.lintFindings, true));
  if (f.smokeResults) parts.push('', '#### Smoke tests', '', details('Results', f.smokeResults));
  return parts.join('\n');
}

export function instructionsSection(f: RequestFacts): string {
  const who: string[] = [];
  const mentions = mentionList(f.users, f.teams);
  if (mentions) who.push(mentions);
  if (f.anyoneWithPermission) who.push(`anyone with \`${f.permission}\` permission on the repository`);
  const rules = [
    `**Who may approve:** ${who.join(', or ')}.`,
    `**Needed:** ${f.minimum} approval${f.minimum === 1 ? '' : 's'}${Object.entries(f.groupQuorum)
      .map(([team, n]) => `, at least ${n} from @${team}`)
      .join('')}.`,
  ];
  if (f.permission !== 'none')
    rules.push(`Approvers need \`${f.permission}\` permission on the repository when they decide.`);
  if (!f.allowSelfApproval && f.excluded.length) {
    rules.push(`${f.excluded.map((a) => `@${a}`).join(' and ')} started this run and cannot approve it.`);
  }
  return [
    '### How to decide',
    '',
    'Post a **new** comment that starts with',
    '',
    '- `/approve [reason]` to approve, or',
    '- `/deny [reason]` to stop the deployment (one deny from an approver is enough).',
    '',
    ...rules.map((r) => `- ${r}`),
    '- Comments posted before this request or edited afterwards do not count.',
    `- Without a decision by ${f.deadline.toISOString().replace('.000Z', 'Z')}, the request times out.`,
  ].join('\n');
}

export function requestVariables(f: RequestFacts): Variables {
  return {
    environment: f.environment,
    repository: f.repository,
    sha: f.sha,
    'short-sha': f.sha.slice(0, 7),
    ref: f.ref,
    actor: f.actor,
    'run-url': f.runUrl ?? '',
    deadline: f.deadline.toISOString().replace('.000Z', 'Z'),
    minimum: String(f.minimum),
    approvers: mentionList(f.users, f.teams),
    deployment: deploymentSection(f),
    instructions: instructionsSection(f),
  };
}
