/** The ECS emulator's pure rules: the timing profile choice and the circuit breaker's threshold. */
import { describe, expect, test } from '@jest/globals';
import { breakerThreshold } from '../src/ecs/scheduler.js';
import { timing, timingFor } from '../src/ecs/timing.js';

describe('timing profiles', () => {
  test('fast is realistic x0.05, and a time scale multiplies either', () => {
    const realistic = timing('realistic');
    const fast = timing('fast');
    expect(realistic.noHealthCheckMs).toBe(40_000);
    expect(fast.noHealthCheckMs).toBe(2_000);
    expect(fast.stopTimeoutMs).toBe(realistic.stopTimeoutMs * 0.05);
    expect(timing('realistic', 0.25).pullMs).toBe(realistic.pullMs / 4);
    expect(fast.seconds(80)).toBe(4_000);
    expect([1, 2, 3].map((n) => realistic.relaunchDelayMs(n))).toEqual([15_000, 30_000, 60_000]);
    expect(realistic.relaunchDelayMs(20)).toBe(15 * 60_000);
  });

  test.each([
    [[], {}, 'realistic', 1],
    [[], { JEST_WORKER_ID: '1' }, 'fast', 0.05],
    [[], { AWS_EMULATOR_ECS_PROFILE: 'realistic', JEST_WORKER_ID: '1' }, 'realistic', 1],
    [[{ key: 'emulator:profile', value: 'fast' }], { AWS_EMULATOR_ECS_PROFILE: 'realistic' }, 'fast', 0.05],
    [
      [
        { key: 'emulator:profile', value: 'realistic' },
        { key: 'emulator:time-scale', value: '0.25' },
      ],
      {},
      'realistic',
      0.25,
    ],
    [[], { AWS_EMULATOR_ECS_TIME_SCALE: '2' }, 'realistic', 2],
  ])('tags %j with env %j choose %s x%d', (tags, env, name, scale) => {
    const chosen = timingFor(tags, env);
    expect([chosen.name, chosen.scale]).toEqual([name, scale]);
  });

  test.each([
    [
      [{ key: 'emulator:profile', value: 'slow' }],
      {},
      'Tag emulator:profile: "slow" is not a timing profile; expected fast or realistic.',
    ],
    [[{ key: 'emulator:time-scale', value: '0' }], {}, 'Tag emulator:time-scale: "0" is not a time scale'],
    [[], { AWS_EMULATOR_ECS_PROFILE: 'quick' }, 'AWS_EMULATOR_ECS_PROFILE: "quick" is not a timing profile'],
  ])('a bad choice %j %j is an InvalidParameterException', (tags, env, message) => {
    expect(() => timingFor(tags, env)).toThrow(
      expect.objectContaining({ type: 'InvalidParameterException', message: expect.stringContaining(message) }),
    );
  });
});

describe('circuit breaker threshold', () => {
  test.each([
    [{}, 1, 3],
    [{}, 4, 3],
    [{}, 10, 5],
    [{}, 1000, 200],
    [{ thresholdConfiguration: { type: 'BOUNDED_PERCENT', value: 100 } }, 10, 10],
    [{ thresholdConfiguration: { type: 'UNBOUNDED_PERCENT', value: 50 } }, 1000, 500],
    [{ thresholdConfiguration: { type: 'UNBOUNDED_PERCENT', value: 50 } }, 1, 1],
    [{ thresholdConfiguration: { type: 'COUNT', value: 2 } }, 100, 2],
  ])('breaker %j with desired %d trips at %d failures', (breaker, desired, threshold) => {
    expect(breakerThreshold(breaker, desired)).toBe(threshold);
  });
});
