import { describe, expect, test } from '@jest/globals';
import {
  applyOverrides,
  diff,
  formatDiffLine,
  isRevisionReference,
  lintSecrets,
  overrideProblems,
  previousRevision,
  revisionsToDeregister,
  sameDefinition,
} from '../src/taskdef.js';

const file = {
  family: 'web',
  cpu: 256,
  containerDefinitions: [
    {
      name: 'app',
      image: 'repo/app:1',
      environment: [
        { name: 'B', value: '2' },
        { name: 'A', value: '1' },
      ],
      portMappings: [{ containerPort: 80 }],
      futureField: { x: 1 },
    },
    { name: 'sidecar', image: 'repo/side:1', essential: false },
  ],
};

describe('overrides', () => {
  test('replace images and environment, keep unknown fields', () => {
    const out = applyOverrides(file, { app: 'repo/app:2' }, { A: 'x', 'sidecar.C': '3' });
    expect(out.containerDefinitions[0]).toMatchObject({ image: 'repo/app:2', futureField: { x: 1 } });
    expect(out.containerDefinitions[0].environment).toEqual([
      { name: 'B', value: '2' },
      { name: 'A', value: 'x' },
    ]);
    expect(out.containerDefinitions[1].environment).toEqual([
      { name: 'A', value: 'x' },
      { name: 'C', value: '3' },
    ]);
    expect(file.containerDefinitions[0]!.image).toBe('repo/app:1');
  });

  test('unknown container names are reported', () => {
    expect(overrideProblems(file, { api: 'x' }, { 'worker.X': '1' })).toEqual([
      expect.stringMatching(
        /^container-images: container "api" is not in the task definition; expected .*app, sidecar/,
      ),
      expect.stringMatching(/^environment: container "worker"/),
    ]);
  });
});

describe('normalised comparison', () => {
  const registered = {
    ...file,
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:0:task-definition/web:3',
    revision: 3,
    status: 'ACTIVE',
    cpu: '256',
    registeredAt: new Date(),
    volumes: [],
    containerDefinitions: [
      {
        ...file.containerDefinitions[0],
        cpu: 0,
        essential: true,
        mountPoints: [],
        environment: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
        portMappings: [{ containerPort: 80, hostPort: 80, protocol: 'tcp' }],
      },
      { ...file.containerDefinitions[1], cpu: 0, environment: [], volumesFrom: [] },
    ],
  };
  test('ECS defaults, order and output-only fields do not count', () => {
    expect(sameDefinition(file, registered)).toBe(true);
    expect(diff(registered, file)).toEqual([]);
  });
  test('a changed image does, and the diff says where', () => {
    const changed = applyOverrides(file, { app: 'repo/app:2' }, {});
    expect(sameDefinition(changed, registered)).toBe(false);
    expect(diff(registered, changed).map(formatDiffLine)).toEqual([
      '~ containerDefinitions[app].image: "repo/app:1" -> "repo/app:2"',
    ]);
  });
});

describe('secret lint', () => {
  const td = (name: string, value: string) => ({
    family: 'f',
    containerDefinitions: [{ name: 'app', image: 'i', environment: [{ name, value }] }],
  });
  test.each([
    ['DB_PASSWORD', 'hunter2hunter2', true],
    ['API_KEY', 'abc123abc123', true],
    ['GITHUB_TOKEN', 'x', true],
    ['DATABASE_URL', 'postgres://app:s3cret@db:5432/app', true],
    ['SOMETHING', 'AKIAABCDEFGHIJKLMNOP', true],
    ['DB_PASSWORD_ARN', 'arn:aws:secretsmanager:us-east-1:1:secret:x', false],
    ['TOKEN_TTL', '3600', false],
    ['LOG_LEVEL', 'info', false],
    ['DATABASE_URL', 'postgres://db:5432/app', false],
    ['SECRET_KEY', '', false],
  ])('%s=%s -> %s', (name, value, flagged) => {
    expect(lintSecrets(td(name, value), []).length > 0).toBe(flagged);
  });
  test('the opt-out lets names, or everything, through', () => {
    expect(lintSecrets(td('DB_PASSWORD', 'hunter2hunter2'), ['DB_PASSWORD'])).toEqual([]);
    expect(lintSecrets(td('DB_PASSWORD', 'hunter2hunter2'), ['*'])).toEqual([]);
  });
});

describe('revisions', () => {
  const arn = (n: number, family = 'web') => `arn:aws:ecs:us-east-1:000000000000:task-definition/${family}:${n}`;
  test.each([
    ['keeps the newest N', [5, 4, 3, 2, 1], 3, [], [2, 1]],
    ['never the protected ones', [5, 4, 3, 2, 1], 2, [1, 3], [2]],
    ['nothing when under N', [2, 1], 5, [], []],
  ])('%s', (_name, revisions, keep, protectedRevisions, expected) => {
    expect(
      revisionsToDeregister(
        [...revisions.map((n) => arn(n)), arn(9, 'other')],
        'web',
        keep,
        protectedRevisions.map((n) => arn(n)),
      ),
    ).toEqual(expected.map((n) => arn(n)));
  });
  test('previous revision and revision references', () => {
    expect(previousRevision([arn(7), arn(5), arn(4)], arn(7))).toBe(arn(5));
    expect(previousRevision([arn(7)], arn(7))).toBeUndefined();
    expect(isRevisionReference('web:12')).toBe(true);
    expect(isRevisionReference(arn(3))).toBe(true);
    expect(isRevisionReference('deploy/task-definition.json')).toBe(false);
  });
});
