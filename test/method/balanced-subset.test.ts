// Class-balanced label subsets: equal shares per class (one apart at most), the same for the
// same seed, each inside the next larger one.
import { expect, it } from 'vitest';
import { balancedSubset } from '../../src/method/data.js';
import { seededRandom } from '../helpers/oracle.js';

const random = seededRandom(3);
// unbalanced on purpose: class c has 30 + 7c images, in a random order
const labels = Uint8Array.from(
  Array.from({ length: 10 }, (_, c) => new Array(30 + 7 * c).fill(c))
    .flat()
    .sort(() => random() - 0.5),
);
const perClass = (pick: Int32Array) => Array.from({ length: 10 }, (_, c) => Array.from(pick).filter((i) => labels[i] === c).length);

it('takes the same share of every class, one apart at most, as increasing indices', () => {
  expect(perClass(balancedSubset(labels, 100, 0))).toEqual(new Array(10).fill(10));
  expect(perClass(balancedSubset(labels, 23, 0))).toEqual([3, 3, 3, 2, 2, 2, 2, 2, 2, 2]);
  const pick = balancedSubset(labels, 100, 0);
  expect(Array.from(pick)).toEqual(Array.from(pick).sort((a, b) => a - b));
  expect(new Set(pick).size).toBe(100);
  expect(balancedSubset(labels, labels.length, 0)).toEqual(Int32Array.from(labels, (_, i) => i));
});

it('is fixed by its seed, and nested: a smaller subset is inside a larger', () => {
  expect(balancedSubset(labels, 50, 4)).toEqual(balancedSubset(labels, 50, 4));
  expect(balancedSubset(labels, 50, 4)).not.toEqual(balancedSubset(labels, 50, 5));
  const [small, middle, large] = [10, 100, 300].map((n) => new Set(balancedSubset(labels, n, 4)));
  expect([...small!].every((i) => middle!.has(i))).toBe(true);
  expect([...middle!].every((i) => large!.has(i))).toBe(true);
});

it('refuses a share larger than a class has', () => {
  expect(() => balancedSubset(labels, 310, 0)).toThrow('a balanced subset of 310 needs 31 images of class 0; there are 30');
});
