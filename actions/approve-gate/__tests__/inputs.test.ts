import { ConfigurationError } from '../../../shared/errors.js';
import { getInputs } from '../src/inputs.js';

const env = { GITHUB_REPOSITORY: 'org/example', GITHUB_ACTOR: 'octocat', GITHUB_TRIGGERING_ACTOR: 'Hubot' };
const read = (inputs: Record<string, string>) => (name: string) => ({ token: 'ghs_abcdef', ...inputs })[name] ?? '';
const problem = (inputs: Record<string, string>) => {
  try {
    getInputs(read(inputs), env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  return undefined;
};

test('defaults and normalisation', () => {
  const inputs = getInputs(read({ approvers: '@Alice, org/sre\nbob', 'group-quorum': 'org/sre=1' }), env);
  expect(inputs).toMatchObject({
    approvers: { users: ['alice', 'bob'], teams: ['org/sre'] },
    minimumApprovals: 1,
    groupQuorum: { 'org/sre': 1 },
    permission: 'write',
    timeoutMs: 3_600_000,
    pollIntervalMs: 15_000,
    actors: ['octocat', 'hubot'],
    labels: ['deployment-approval'],
    repository: { owner: 'org', repo: 'example' },
  });
});

test('images as JSON or lines', () => {
  expect(getInputs(read({ approvers: 'a1', images: '{"api":"r/api@sha256:1"}' }), env).images).toEqual({
    api: 'r/api@sha256:1',
  });
  expect(getInputs(read({ approvers: 'a1', images: 'api=r/api@sha256:1\nweb=r/web:2' }), env).images).toEqual({
    api: 'r/api@sha256:1',
    web: 'r/web:2',
  });
});

test.each([
  [{}, 'approvers: is empty'],
  [{ 'anyone-with-permission': 'true', permission: 'none' }, 'permission: "none" with anyone-with-permission'],
  [{ approvers: 'alice', 'minimum-approvals': '2' }, 'minimum-approvals: 2 is more than the 1 approver(s)'],
  [{ approvers: 'alice,octocat', 'minimum-approvals': '2' }, 'octocat triggered this run'],
  [{ approvers: 'org/' }, 'is not a valid team'],
  [{ approvers: 'org/Sre' }, 'is not a valid team'],
  [{ approvers: '-bad-' }, 'is not a valid GitHub login'],
  [{ approvers: 'alice', timeout: '0s' }, 'timeout: 0s is out of range'],
  [{ approvers: 'alice', timeout: '6d' }, 'timeout: 6d is out of range'],
  // a hosted runner cancels the job at 6 h, so the wait must end before it as timed-out
  [{ approvers: 'alice', timeout: '6h' }, 'timeout: 6h is out of range'],
  [{ approvers: 'alice', timeout: '10s', 'poll-interval': '10s' }, 'poll-interval: is not shorter than the timeout'],
  [{ approvers: 'org/sre', 'group-quorum': 'org/sre=zero' }, 'group-quorum: org/sre=zero is not a count'],
  [{ approvers: 'alice', title: 'Deploy {{ env }}' }, 'title: unknown placeholder {{ env }}'],
  [{ approvers: 'alice', 'commit-range': 'abc' }, 'commit-range: "abc" has no .. or ...'],
  [
    { approvers: 'alice', 'commit-range': 'a....b' },
    'commit-range: "a....b" has ".b", which is not a commit SHA or ref name',
  ],
  [
    { approvers: 'alice', 'commit-range': 'main..feat..x' },
    'commit-range: "main..feat..x" has "feat..x", which is not',
  ],
  [{ approvers: 'alice', 'commit-range': 'main..a b' }, 'commit-range: "main..a b" has "a b", which is not'],
  [{ approvers: 'alice', 'commit-range': 'a.lock..b' }, '"a.lock", which is not'],
  [{ approvers: 'alice', token: 'ghp_x\nsecond' }, 'token: contains a line break (U+000A); expected a single line'],
  [{ approvers: 'alice', title: 'a\r::add-mask::x' }, 'title: contains a carriage return (U+000D)'],
  [{ approvers: 'alice\u0000' }, 'approvers: item contains a NUL character'],
  [{ approvers: 'alice', images: '{"api": "a\\n::error::x"}' }, 'images: entry "api" contains a line break'],
  [{ approvers: 'alice', images: '{"api": 3}' }, 'images: entry "api" is not an image reference'],
])('%j is refused', (inputs, message) => {
  expect(problem(inputs)).toContain(message);
});

test('anyone-with-permission needs no list; teams make the minimum unknowable up front', () => {
  expect(problem({ 'anyone-with-permission': 'true' })).toBeUndefined();
  expect(problem({ approvers: 'org/sre', 'minimum-approvals': '5' })).toBeUndefined();
});

test.each(['abc123..def456', 'v1.2.0...main', 'origin/main..HEAD', 'a1b2c3d..refs/heads/feature/x'])(
  'commit range %s is accepted',
  (range) => {
    expect(problem({ approvers: 'alice', 'commit-range': range })).toBeUndefined();
  },
);

test('multi-line body text stays multi-line', () => {
  expect(problem({ approvers: 'alice', body: 'line 1\nline 2' })).toBeUndefined();
});
