import { expect, test } from 'vitest';
import { formatDuration, median } from '../src/numbers.js';

test('formatDuration: seconds, minutes, hours, and a dash for the unknown', () => {
  expect([0, 44.6, 59.4, 60, 259, 3599, 3600, 7500].map(formatDuration)).toEqual([
    '0s',
    '45s',
    '59s',
    '1m00s',
    '4m19s',
    '59m59s',
    '1h00m',
    '2h05m',
  ]);
  expect(formatDuration(Number.NaN)).toBe('—');
  expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('—');
});

test('median: the middle value, or the mean of the middle two', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(median([7])).toBe(7);
});
