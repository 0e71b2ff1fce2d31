import { expect, test } from '@jest/globals';
import { formatDuration, parseDuration } from '../duration.js';

test.each([
  ['90s', 90_000],
  ['1.5s', 1500],
  ['10m', 600_000],
  ['1h30m', 5_400_000],
  ['2d', 172_800_000],
  ['250ms', 250],
  ['30', 30_000],
  [' 5s ', 5000],
  ['5 s', undefined],
  ['-5s', undefined],
  ['1y', undefined],
  ['', undefined],
])('parseDuration(%j) = %j', (text, expected) => expect(parseDuration(text)).toBe(expected));

test.each([
  [250, '250ms'],
  [1500, '1.5s'],
  [45_000, '45s'],
  [90_000, '1m30s'],
  [600_000, '10m'],
])('formatDuration(%i) = %s', (ms, expected) => expect(formatDuration(ms)).toBe(expected));
