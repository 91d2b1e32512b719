// The mnist package's digits as LabelledImages: 28×28 bytes, labels 0–9, the fixed split (the
// last 200 of each digit to test), each split interleaving the digits; bad files named.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMnistJson, TEST_PER_DIGIT } from '../src/data/mnist-json.js';
import { digitFiles } from './helpers/digits.js';

const counts = (labels: Uint8Array) => Array.from({ length: 10 }, (_, d) => labels.filter((l) => l === d).length);

describe('the mnist package', () => {
  const { train, test } = loadMnistJson();

  it('8,000 training and 2,000 test digits of 28×28 bytes, labels 0–9', () => {
    expect([train.count, train.height, train.width, train.pixels.length]).toEqual([8000, 28, 28, 8000 * 784]);
    expect([test.count, test.pixels.length]).toEqual([2000, 2000 * 784]);
    expect(counts(test.labels)).toEqual(new Array(10).fill(TEST_PER_DIGIT));
    expect(counts(train.labels)).toEqual([801, 927, 791, 832, 780, 663, 814, 870, 744, 778]);
    expect(train.pixels.reduce((a, b) => Math.max(a, b), 0)).toBe(255);
  });

  it('the split is fixed, the digits interleaved (any prefix near balanced), no image in both', () => {
    const again = loadMnistJson();
    expect(Buffer.from(again.train.pixels).equals(train.pixels)).toBe(true); // (toEqual is slow on 6 MB)
    expect(Buffer.from(again.test.labels).equals(test.labels)).toBe(true);
    expect(Array.from(test.labels.subarray(0, 20))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(counts(train.labels.subarray(0, 1000))).toEqual(new Array(10).fill(100));
    const key = (set: typeof train, i: number) => Buffer.from(set.pixels.subarray(i * 784, (i + 1) * 784)).toString('base64');
    const training = new Set(Array.from({ length: train.count }, (_, i) => key(train, i)));
    expect(Array.from({ length: test.count }, (_, i) => key(test, i)).filter((k) => training.has(k))).toEqual([]);
  });
});

it('a bad digit file is refused with its name and the problem', () => {
  const dir = digitFiles(TEST_PER_DIGIT + 2);
  expect(loadMnistJson(dir).train.count).toBe(20);
  writeFileSync(join(dir, '3.json'), JSON.stringify({ data: [0.5, 2] }));
  expect(() => loadMnistJson(dir)).toThrow(`${join(dir, '3.json')}: expected {"data": [...]} with a multiple of 784 values`);
  writeFileSync(join(dir, '3.json'), JSON.stringify({ data: new Array(784).fill(1.5) }));
  expect(() => loadMnistJson(dir)).toThrow(`${join(dir, '3.json')}: value 1.5 at index 0 is not in [0, 1]`);
  writeFileSync(join(dir, '3.json'), JSON.stringify({ data: new Array(784 * TEST_PER_DIGIT).fill(0) }));
  expect(() => loadMnistJson(dir)).toThrow(`${join(dir, '3.json')}: has 200 images; the split needs more than 200 a digit`);
  writeFileSync(join(dir, '3.json'), '{');
  expect(() => loadMnistJson(dir)).toThrow(`${join(dir, '3.json')}: is not JSON`);
  expect(() => loadMnistJson(join(dir, 'none'))).toThrow(`${join(dir, 'none', '0.json')}: cannot be read (ENOENT)`);
});
