import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { contentHash, contextFiles, isIgnored, parseDockerignore } from '../src/contenthash.js';
import {
  type BuildPlan,
  buildxBuildArgs,
  classicBuildArgs,
  describeBuildFailure,
  dockerfileWithLabels,
  isTransientDockerFailure,
  parsePushDigest,
} from '../src/docker.js';
import { ecrRegistriesOf } from '../src/login.js';
import { parseRepository, platformProblem, registryBaseUrl, sanitizeTag, tagProblem } from '../src/reference.js';
import { parseChallenge } from '../src/registry.js';

describe('image references', () => {
  test.each([
    ['localhost:5000/team/app', { host: 'localhost:5000', path: 'team/app' }],
    ['ghcr.io/org/app', { host: 'ghcr.io', path: 'org/app' }],
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/backend',
      { host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', path: 'backend' },
    ],
    ['nginx', { host: 'docker.io', path: 'library/nginx' }],
    ['org/app', { host: 'docker.io', path: 'org/app' }],
  ])('%s', (raw, expected) => {
    expect(parseRepository(raw)).toMatchObject(expected);
  });

  test.each([
    ['ghcr.io/Org/App', /invalid path component "Org"/],
    ['ghcr.io/org/app:1.0', /must not carry a tag/],
    ['ghcr.io/org/app@sha256:abc', /must not carry a digest/],
    ['ghcr.io/org//app', /invalid path component ""/],
    ['bad_host:5000/app', /invalid registry host/],
  ])('%s is refused', (raw, problem) => {
    expect(parseRepository(raw)).toMatch(problem);
  });

  test.each([
    ['v1.2.3', undefined],
    ['-bad', /not a valid tag/],
    ['a'.repeat(129), /longer than 128/],
    ['has space', /not a valid tag/],
  ])('tag %s', (tag, problem) => {
    if (problem) expect(tagProblem(tag)).toMatch(problem);
    else expect(tagProblem(tag)).toBeUndefined();
  });

  test.each([
    ['feature/Login page', 'feature-Login-page'],
    ['-x', 'x'],
    ['dependabot/npm_and_yarn/a-1.2', 'dependabot-npm_and_yarn-a-1.2'],
  ])('sanitizeTag(%s)', (text, tag) => expect(sanitizeTag(text)).toBe(tag));

  test.each([
    ['linux/amd64', undefined],
    ['linux/arm64/v8', undefined],
    ['linux', /os\/arch/],
    ['linux/amd65', /unknown architecture/],
    ['plan9/amd64', /unknown os/],
  ])('platform %s', (platform, problem) => {
    if (problem) expect(platformProblem(platform)).toMatch(problem);
    else expect(platformProblem(platform)).toBeUndefined();
  });

  test('registry URLs: loopback over http, the rest https', () => {
    expect(registryBaseUrl('localhost:5000')).toBe('http://localhost:5000');
    expect(registryBaseUrl('127.0.0.1:5001')).toBe('http://127.0.0.1:5001');
    expect(registryBaseUrl('ghcr.io')).toBe('https://ghcr.io');
    expect(registryBaseUrl('docker.io')).toBe('https://registry-1.docker.io');
    expect(registryBaseUrl('registry.lan:5000', ['registry.lan:5000'])).toBe('http://registry.lan:5000');
  });

  test('ECR registries are found in image hosts and grouped by region', () => {
    expect(
      Object.fromEntries(
        ecrRegistriesOf([
          '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
          '210987654321.dkr.ecr.eu-west-1.amazonaws.com',
          '123456789012.dkr.ecr.us-east-1.amazonaws.com',
          'ghcr.io',
        ]),
      ),
    ).toEqual({ 'eu-west-1': ['123456789012', '210987654321'], 'us-east-1': ['123456789012'] });
  });

  test('auth challenges', () => {
    expect(
      parseChallenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/a:pull"'),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:o/a:pull' },
    });
    expect(parseChallenge('Basic realm="Registry Realm"').scheme).toBe('basic');
  });
});

// Every context a test makes is removed after the file (CI's disk is the machine's).
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('content hash', () => {
  const make = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'bpi-hash-'));
    made.push(dir);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return dir;
  };

  test.each([
    ['node_modules', 'node_modules/x/index.js', true],
    ['*.log', 'debug.log', true],
    ['*.log', 'logs/debug.log', false],
    ['**/*.log', 'logs/debug.log', true],
    ['dist/', 'dist/a.js', true],
    ['/build', 'build/x', true],
    ['src/*.test.ts', 'src/a.test.ts', true],
    ['te?t', 'test', true],
  ])('.dockerignore %s vs %s', (pattern, path, ignored) => {
    expect(isIgnored(path, parseDockerignore(pattern))).toBe(ignored);
  });

  test('negations re-include, last rule wins', () => {
    const rules = parseDockerignore('# comment\n*.md\n!README.md\n');
    expect(isIgnored('CHANGES.md', rules)).toBe(true);
    expect(isIgnored('README.md', rules)).toBe(false);
  });

  test('ignored files do not change the hash; files, Dockerfile, args, target and platforms do', () => {
    const dir = make({
      Dockerfile: 'FROM x\n',
      'app.js': '1',
      '.dockerignore': 'node_modules\n*.log\n',
      'node_modules/a': 'x',
    });
    const input = { context: dir, dockerfile: join(dir, 'Dockerfile'), buildArgs: { A: '1' } };
    const base = contentHash(input);
    expect(contextFiles(dir)).toEqual(['.dockerignore', 'Dockerfile', 'app.js']);
    writeFileSync(join(dir, 'node_modules/a'), 'changed');
    writeFileSync(join(dir, 'x.log'), 'noise');
    expect(contentHash(input)).toBe(base);
    expect(contentHash({ ...input, buildArgs: { A: '2' } })).not.toBe(base);
    expect(contentHash({ ...input, target: 'runtime' })).not.toBe(base);
    expect(contentHash({ ...input, platforms: ['linux/arm64'] })).not.toBe(base);
    writeFileSync(join(dir, 'app.js'), '2');
    expect(contentHash(input)).not.toBe(base);
  });
});

describe('docker command lines', () => {
  const plan: BuildPlan = {
    service: 'backend',
    context: 'apps/backend',
    dockerfile: 'apps/backend/Dockerfile',
    target: 'runtime',
    references: ['r.io/app:main', 'r.io/app:ch-0123456789abcdef'],
    buildArgs: { BASE_IMAGE: 'node:24-alpine' },
    labels: { 'org.opencontainers.image.title': 'backend' },
    platforms: ['linux/amd64', 'linux/arm64'],
    secrets: ['npm_token'],
    cache: 'registry',
    cacheRef: 'r.io/app:buildcache',
    provenance: false,
    sbom: false,
    push: true,
    iidFile: '/tmp/iid',
    metadataFile: '/tmp/meta.json',
  };

  test('buildx: one command pushes every tag, per-service cache, single-image default, secrets by env', () => {
    expect(buildxBuildArgs(plan)).toEqual([
      'buildx', 'build',
      '--file', 'apps/backend/Dockerfile',
      '--tag', 'r.io/app:main',
      '--tag', 'r.io/app:ch-0123456789abcdef',
      '--target', 'runtime',
      '--build-arg', 'BASE_IMAGE=node:24-alpine',
      '--label', 'org.opencontainers.image.title=backend',
      '--iidfile', '/tmp/iid',
      '--platform', 'linux/amd64,linux/arm64',
      '--secret', 'id=npm_token,env=BUILD_PUSH_IMAGE_SECRET_0',
      '--cache-from', 'type=registry,ref=r.io/app:buildcache',
      '--cache-to', 'type=registry,ref=r.io/app:buildcache,mode=max,image-manifest=true',
      '--provenance=false',
      '--sbom=false',
      '--metadata-file', '/tmp/meta.json',
      '--push',
      'apps/backend',
    ]); // biome-ignore format: one flag per line
  });

  test('buildx: GitHub cache scoped per service, attestations when asked, --load without push', () => {
    const args = buildxBuildArgs({ ...plan, cache: 'gha', provenance: true, sbom: true, push: false, platforms: [] });
    expect(args).toEqual(expect.arrayContaining(['type=gha,scope=backend', 'type=gha,scope=backend,mode=max']));
    expect(args).toEqual(expect.arrayContaining(['--provenance=mode=max', '--sbom=true', '--load']));
    expect(args).not.toContain('--push');
    expect(args).not.toContain('--platform');
  });

  test('classic: no buildx-only flags', () => {
    const args = classicBuildArgs({ ...plan, platforms: ['linux/amd64'] }, '/tmp/backend.Dockerfile');
    expect(args.slice(0, 3)).toEqual(['build', '--file', '/tmp/backend.Dockerfile']);
    expect(args).not.toContain('--label');
    expect(args).toContain('--platform');
    expect(args.join(' ')).not.toMatch(/--secret|--cache|--provenance|--push/);
    expect(args.at(-1)).toBe('apps/backend');
  });

  test.each([
    [
      'the last stage',
      'FROM a AS build\nRUN make\nFROM b\nCOPY --from=build /x /x\n',
      undefined,
      'FROM a AS build\nRUN make\nFROM b\nCOPY --from=build /x /x\nLABEL "t"="v \\"q\\" \\$HOME"\n',
    ],
    [
      'the target stage',
      'FROM a AS build\nRUN make\nFROM b AS runtime\nCMD x',
      'build',
      'FROM a AS build\nRUN make\nLABEL "t"="v \\"q\\" \\$HOME"\nFROM b AS runtime\nCMD x\n',
    ],
    ['an escape directive', '# escape=`\nFROM a\n', undefined, '# escape=`\nFROM a\nLABEL "t"="v `"q`" `$HOME"\n'],
  ])('classic builder: all labels in one LABEL at the end of %s', (_, text, target, expected) => {
    expect(dockerfileWithLabels(text, { t: 'v "q" $HOME' }, target)).toBe(expected);
  });

  test('a failed classic build names its step', () => {
    const output =
      "Step 1/3 : FROM base\n ---> abc\nStep 2/3 : RUN exit 3\n ---> Running in 1\nThe command '/bin/sh -c exit 3' returned a non-zero code: 3\n";
    expect(describeBuildFailure(output)).toEqual({
      step: 'Step 2/3 : RUN exit 3',
      tail: expect.stringContaining('non-zero code: 3'),
    });
  });

  test('a failed buildx build names its step', () => {
    const output =
      '#6 [2/3] RUN exit 3\n#6 ERROR: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3\n------\n > [2/3] RUN exit 3:\n------\nERROR: failed to solve';
    expect(describeBuildFailure(output).step).toBe('[2/3] RUN exit 3:');
  });

  test('push digests and transient faults', () => {
    expect(parsePushDigest(`main: digest: sha256:${'a'.repeat(64)} size: 736`)).toBe(`sha256:${'a'.repeat(64)}`);
    const failure = (stderr: string) => ({ result: { exitCode: 1, stdout: '', stderr } });
    expect(isTransientDockerFailure(failure('received unexpected HTTP status: 503 Service Unavailable'))).toBe(true);
    expect(isTransientDockerFailure(failure('toomanyrequests: slow down'))).toBe(true);
    expect(isTransientDockerFailure(failure('write: connection reset by peer'))).toBe(true);
    expect(isTransientDockerFailure(failure('unauthorized: authentication required'))).toBe(false);
    expect(isTransientDockerFailure(failure('denied: requested access to the resource is denied'))).toBe(false);
  });
});

describe('content hash with a whitelist .dockerignore', () => {
  test('"*" then "!dist/" keeps only dist, without walking ignored folders', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpi-hash-'));
    made.push(dir);
    for (const path of ['dist/server.cjs', 'dist/sub/a.wasm', 'node_modules/x/index.js', 'src/a.ts', 'Dockerfile']) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), path);
    }
    writeFileSync(join(dir, '.dockerignore'), '# only the bundle\n*\n!dist/\n');
    expect(contextFiles(dir)).toEqual(['dist/server.cjs', 'dist/sub/a.wasm']);
  });
});
