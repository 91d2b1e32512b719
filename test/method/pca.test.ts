// The bank's 2-D view and the retrieval: principal axes found on the device, and the
// nearest training rows of a query, against plain host computations.
import { expect, it } from 'vitest';
import * as ops from '../../src/index.js';
import { nearest } from '../../src/method/knn.js';
import { principalAxes, project2d } from '../../src/method/pca.js';
import { createWasmBackend } from '../../src/node.js';
import { seededRandom } from '../helpers/oracle.js';

const backend = await createWasmBackend({ threads: 1 });
const random = seededRandom(9);
const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const [n, d] = [400, 12];

/** Two orthonormal directions, and rows spread 3 along the first and 1.5 along the second. */
function data() {
  const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
  const u1 = unit(Array.from({ length: d }, gauss));
  const raw = Array.from({ length: d }, gauss);
  const dot = raw.reduce((s, x, i) => s + x * u1[i]!, 0);
  const u2 = unit(raw.map((x, i) => x - dot * u1[i]!));
  const rows = Float32Array.from({ length: n * d }, () => 0);
  for (let r = 0; r < n; r++) {
    const [a, b] = [3 * gauss(), 1.5 * gauss()];
    for (let i = 0; i < d; i++) rows[r * d + i] = 0.5 + a * u1[i]! + b * u2[i]! + 0.05 * gauss();
  }
  return { rows, u1, u2 };
}

it('finds the two principal axes and projects on them, sign fixed', async () => {
  const { rows, u1, u2 } = data();
  const t = ops.tensor(rows, [n, d], { backend });
  const { axes, mean } = principalAxes(t, 2);
  const a = await axes.data();
  const along = (u: number[], j: number) => Math.abs(u.reduce((s, x, i) => s + x * a[i * 2 + j]!, 0));
  expect(along(u1, 0)).toBeGreaterThan(0.999);
  expect(along(u2, 1)).toBeGreaterThan(0.999);
  const points = await project2d(t);
  const m = await mean.data();
  for (const r of [0, 17, 399]) {
    for (const j of [0, 1]) {
      const expected = Array.from({ length: d }, (_, i) => (rows[r * d + i]! - m[i]!) * a[i * 2 + j]!).reduce((s, x) => s + x, 0);
      expect(Math.abs(points[r * 2 + j]!)).toBeCloseTo(Math.abs(expected), 4);
    }
  }
  for (const x of [axes, mean, t]) x.dispose();
});

it('returns the k most similar rows, most similar first', async () => {
  const { rows } = data();
  const train = ops.tensor(rows, [n, d], { backend });
  const query = Float32Array.from({ length: d }, gauss);
  const { index, similarity } = await nearest(train, ops.tensor(query, [d], { backend }), 8);
  const all = Array.from({ length: n }, (_, r) => query.reduce((s, x, i) => s + x * rows[r * d + i]!, 0));
  const expected = all
    .map((s, r) => [s, r] as const)
    .sort((x, y) => y[0] - x[0])
    .slice(0, 8);
  expect(index).toEqual(expected.map(([, r]) => r));
  for (const [i, s] of similarity.entries()) expect(s).toBeCloseTo(expected[i]![0], 3);
});
