/** The pure parts of ELBv2: Query parsing, XML writing, weight buckets, rule patterns as HAProxy map entries. */
import { describe, expect, test } from '@jest/globals';
import { buckets, patternRegex, ruleEntries } from '../src/elbv2/dataplane.js';
import { ElbError, errorXml, isQueryRequest, parseQuery, responseXml, toXml } from '../src/elbv2/query.js';
import type { Listener } from '../src/elbv2/resources.js';

describe('Query protocol', () => {
  test('form parameters become nested lists and structures, members in index order', () => {
    const body = new URLSearchParams({
      Action: 'CreateListener',
      Version: '2015-12-01',
      LoadBalancerArn: 'arn:lb',
      Port: '18000',
      'DefaultActions.member.1.Type': 'forward',
      'DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn': 'arn:b',
      'DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.Weight': '1',
      'DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn': 'arn:a',
      'Names.member.1': 'x',
      'Names.member.3': 'y',
      'Matcher.HttpCode': '200',
    }).toString();
    expect(parseQuery(body)).toEqual({
      action: 'CreateListener',
      version: '2015-12-01',
      params: {
        LoadBalancerArn: 'arn:lb',
        Port: '18000',
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'arn:a' }, { TargetGroupArn: 'arn:b', Weight: '1' }] },
          },
        ],
        Names: ['x', 'y'],
        Matcher: { HttpCode: '200' },
      },
    });
  });

  test.each([
    ['application/x-www-form-urlencoded; charset=utf-8', 'Action=DescribeLoadBalancers&Version=2015-12-01', true],
    ['application/x-www-form-urlencoded', 'Action=GetCallerIdentity&Version=2011-06-15', false],
    ['application/x-amz-json-1.1', 'Action=DescribeLoadBalancers&Version=2015-12-01', false],
  ])('isQueryRequest(%s, %s) = %s', (type, body, expected) => {
    expect(isQueryRequest(type, Buffer.from(body))).toBe(expected);
  });

  test('XML: lists as <member>, dates ISO, text escaped, undefined left out', () => {
    expect(toXml({ A: [{ B: 'x<&>"' }, { B: 2 }], C: new Date(0), D: undefined, E: false })).toBe(
      '<A><member><B>x&lt;&amp;&gt;&quot;</B></member><member><B>2</B></member></A><C>1970-01-01T00:00:00.000Z</C><E>false</E>',
    );
    expect(responseXml('DeleteRule', {}, 'id-1')).toContain(
      '<DeleteRuleResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><DeleteRuleResult></DeleteRuleResult><ResponseMetadata><RequestId>id-1</RequestId>',
    );
    expect(errorXml(new ElbError('PriorityInUse', "Priority '1' is in use"), 'id-2')).toContain(
      "<Error><Type>Sender</Type><Code>PriorityInUse</Code><Message>Priority '1' is in use</Message></Error><RequestId>id-2</RequestId>",
    );
  });
});

describe('routing maps', () => {
  test.each([
    [
      [3, 1],
      [75, 25],
    ],
    [
      [1, 1, 1],
      [34, 33, 33],
    ],
    [
      [0, 5],
      [0, 100],
    ],
    [
      [999, 1],
      [100, 0],
    ],
  ])('weights %j share 100 buckets as %j', (weights, shares) => {
    const picked = buckets(weights.map((weight, i) => ({ backend: `tg${i}`, weight })));
    expect(picked).toHaveLength(100);
    expect(weights.map((_, i) => picked.filter((b) => b === `tg${i}`).length)).toEqual(shares);
  });

  test('all weights zero: every bucket is the backend without servers', () => {
    expect(new Set(buckets([{ backend: 'tg0', weight: 0 }]))).toEqual(new Set(['tg_none']));
  });

  test.each([
    ['/api/*', '/api/.*', ['/api/x', '/api/'], ['/apix', '/v1/api/x']],
    ['/a?c', '/a.c', ['/abc'], ['/ac', '/abcd']],
    ['/v1.0+x', '/v1[.]0[+]x', ['/v1.0+x'], ['/v1x0+x']],
    ['*.Example.com', '.*[.]example[.]com', ['www.example.com'], ['example.com']],
  ])('pattern %s is the regex %s', (pattern, regex, matching, other) => {
    const lower = pattern.includes('Example');
    expect(patternRegex(pattern, lower)).toBe(regex);
    expect(patternRegex(pattern, lower)).not.toContain('\\');
    for (const m of matching) expect(new RegExp(`^${regex}$`).test(m)).toBe(true);
    for (const o of other) expect(new RegExp(`^${regex}$`).test(o)).toBe(false);
  });

  test('rule entries: by priority, one per host x path value, the default rule last', () => {
    const forward = { groups: [{ arn: 'a', weight: 1 }], single: true };
    const listener: Listener = {
      arn: 'l',
      loadBalancerArn: 'lb',
      port: 18000,
      protocol: 'HTTP',
      rules: [
        { arn: 'd', key: 'r1', priority: 'default', conditions: [], action: forward },
        { arn: 'x', key: 'r3', priority: 20, conditions: [{ field: 'path-pattern', values: ['/b'] }], action: forward },
        {
          arn: 'y',
          key: 'r2',
          priority: 5,
          conditions: [
            { field: 'host-header', values: ['a.test', 'b.test'] },
            { field: 'path-pattern', values: ['/x*'] },
          ],
          action: forward,
        },
      ],
    };
    expect(ruleEntries(listener)).toEqual([
      ['^18000~a[.]test~/x.*$', 'r2'],
      ['^18000~b[.]test~/x.*$', 'r2'],
      ['^18000~[^~]*~/b$', 'r3'],
      ['^18000~', 'r1'],
    ]);
  });
});
