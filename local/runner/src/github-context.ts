/** The `github` context of a run and the event payload behind GITHUB_EVENT_PATH. */
import { execFileSync } from 'node:child_process';
import type { Json } from './expressions.js';
import type { RunOptions } from './types.js';

export function githubContext(
  o: RunOptions,
  source: string,
  runId: string,
  eventPath: string,
): Record<string, Json> & { event: Record<string, Json> } {
  const sha = o.sha ?? gitSha(source) ?? '0'.repeat(40);
  const ref = o.ref ?? 'refs/heads/main';
  const repository = o.repository ?? 'org/example';
  const [owner] = repository.split('/');
  const apiUrl = o.github?.apiUrl ?? 'https://api.github.com';
  const payload: Record<string, Json> = o.payload ?? {
    ref,
    before: gitSha(source, 'HEAD~1') ?? '0'.repeat(40),
    after: sha,
    repository: {
      full_name: repository,
      name: repository.split('/')[1] ?? '',
      owner: { login: owner ?? '' },
      default_branch: 'main',
    },
    pusher: { name: o.actor ?? 'octocat' },
    sender: { login: o.actor ?? 'octocat' },
    head_commit: { id: sha, message: gitMessage(source) ?? '' },
  };
  if (o.inputs && !payload.inputs) payload.inputs = o.inputs;
  return {
    event_name: o.event ?? 'push',
    event: payload,
    sha,
    ref,
    ref_name: ref.replace(/^refs\/(heads|tags)\//, ''),
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    repository,
    repository_owner: owner ?? '',
    actor: o.actor ?? 'octocat',
    triggering_actor: o.actor ?? 'octocat',
    run_id: runId,
    run_number: '1',
    run_attempt: '1',
    workspace: source,
    server_url: o.github?.serverUrl ?? 'https://github.com',
    api_url: apiUrl,
    graphql_url: `${apiUrl}/graphql`,
    token: o.github?.token ?? '',
    base_ref: '',
    head_ref: '',
    workflow: '',
    event_path: eventPath,
  };
}

/** The GITHUB_* variables every step gets, from the `github` context (GITHUB_WORKSPACE is the job's). */
export function githubVariables(github: Record<string, Json>, workspace: string, job: string): Record<string, string> {
  const s = (key: string) => String(github[key] ?? '');
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: s('repository'),
    GITHUB_REPOSITORY_OWNER: s('repository_owner'),
    GITHUB_SHA: s('sha'),
    GITHUB_REF: s('ref'),
    GITHUB_REF_NAME: s('ref_name'),
    GITHUB_REF_TYPE: s('ref_type'),
    GITHUB_EVENT_NAME: s('event_name'),
    GITHUB_EVENT_PATH: s('event_path'),
    GITHUB_RUN_ID: s('run_id'),
    GITHUB_RUN_NUMBER: s('run_number'),
    GITHUB_RUN_ATTEMPT: s('run_attempt'),
    GITHUB_ACTOR: s('actor'),
    GITHUB_TRIGGERING_ACTOR: s('triggering_actor'),
    GITHUB_SERVER_URL: s('server_url'),
    GITHUB_API_URL: s('api_url'),
    GITHUB_GRAPHQL_URL: s('graphql_url'),
    GITHUB_WORKFLOW: s('workflow'),
    GITHUB_JOB: job,
  };
}

export function gitSha(dir: string, rev = 'HEAD'): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--verify', '-q', `${rev}^{commit}`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

function gitMessage(dir: string): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, 'log', '-1', '--format=%s'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}
