// topK: each row's k largest entries and their columns, as the f64 reference finds them, on
// every backend (compared as sets: the order is not specified), including negative values,
// k = cols, k = 1 and rows longer than a workgroup.
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import { type Backend, ReferenceBackend } from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { seededRandom } from '../helpers/oracle.js';

const cases = await testBackends();
const reference = new ReferenceBackend({ precision: 'f64' });

/** Distinct values, so that the k largest are one set. */
function matrix(rows: number, cols: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const values = Float32Array.from({ length: rows * cols }, (_, i) => i * 1e-3 - rows * cols * 5e-4);
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return values;
}

async function topSets(backend: Backend, values: Float32Array, rows: number, cols: number, k: number): Promise<string[]> {
  const x = ops.tensor(values, [rows, cols], { backend });
  const top = ops.topK(x, k);
  const [v, index] = [await top.values.data(), await top.indices.data()];
  for (const t of [x, top.values, top.indices]) t.dispose();
  return Array.from({ length: rows }, (_, r) => {
    const pairs = Array.from({ length: k }, (_, i) => [index[r * k + i]!, v[r * k + i]!] as const);
    for (const [j, value] of pairs) expect(value).toBe(values[r * cols + j]!); // each value is its column's
    return pairs
      .map(([j]) => j)
      .sort((a, b) => a - b)
      .join(',');
  });
}

describe.each(cases)('topK on $name', ({ backend }) => {
  for (const [rows, cols, k] of [
    [3, 7, 3],
    [2, 5, 5],
    [4, 9, 1],
    [5, 1300, 200],
    [1, 300, 299],
  ] as const) {
    it.skipIf(!backend)(`rows ${rows}, cols ${cols}, k ${k}: the reference's k largest`, async () => {
      const values = matrix(rows, cols, rows * cols + k);
      expect(await topSets(backend!, values, rows, cols, k)).toEqual(await topSets(reference, values, rows, cols, k));
    });
  }

  it.skipIf(!backend)('takes the right number of entries equal to the k-th largest', async () => {
    const values = Float32Array.from([1, 2, 2, 2, 0, -1, 2, 3]);
    const x = ops.tensor(values, [1, 8], { backend: backend! });
    const top = ops.topK(x, 4);
    expect(Array.from(await top.values.data()).sort()).toEqual([2, 2, 2, 3]);
    for (const t of [x, top.values, top.indices]) t.dispose();
  });
});

it('names a wrong k or shape', () => {
  const x = ops.tensor(new Float32Array(6), [2, 3], { backend: reference });
  expect(() => ops.topK(x, 4)).toThrow('topK: k must be an integer in [1, 3]');
  expect(() => ops.topK(x.reshape([6]), 1)).toThrow('topK: expected a matrix [rows, cols]');
});
