// Principal components on the device, for the 2-D view of the memory bank: subspace (power)
// iteration on the d×d covariance, so only the N×2 projection is ever read back.

import { noGrad } from '../engine/autograd/tape.js';
import * as ops from '../engine/ops/index.js';
import { Generator } from '../engine/random.js';
import { keep, scope } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';

/** Makes the columns of V [d, k] orthonormal (Gram–Schmidt, in order). */
function orthonormalize(v: Tensor): Tensor {
  const [d, k] = v.shape as [number, number];
  const columns: Tensor[] = [];
  for (let j = 0; j < k; j++) {
    let column = v.slice([0, j], [d, 1]);
    for (const q of columns) column = column.sub(q.mul(q.mul(column).sum()));
    columns.push(column.mul(column.square().sum().add(1e-20).rsqrt()));
  }
  return ops.concat(columns, 1);
}

/** The top `k` principal axes [d, k] of the rows [N, d], and the rows' mean [1, d]. */
export function principalAxes(rows: Tensor, k = 2, iterations = 60): { axes: Tensor; mean: Tensor } {
  return noGrad(() =>
    scope(() => {
      const mean = rows.mean(0, true);
      const centred = rows.sub(mean);
      const covariance = centred.matmul(centred, { transA: true }).div(rows.shape[0]!);
      let axes = keep(orthonormalize(ops.randn([rows.shape[1]!, k], { generator: new Generator(0), backend: rows.backend })));
      for (let i = 0; i < iterations; i++) {
        const next = scope(() => keep(orthonormalize(covariance.matmul(axes))));
        axes.dispose();
        axes = next;
      }
      return { axes, mean };
    }),
  );
}

/**
 * Each row's coordinates [N·2] on the top two axes, the sign of each axis fixed so its
 * largest component is positive (the view does not flip from one epoch to the next).
 */
export async function project2d(rows: Tensor): Promise<Float32Array> {
  const { axes, mean } = principalAxes(rows, 2);
  const components = await axes.data();
  const signs = [0, 1].map((j) => {
    let best = 0;
    for (let i = 0; i < components.length / 2; i++) if (Math.abs(components[2 * i + j]!) > Math.abs(best)) best = components[2 * i + j]!;
    return best < 0 ? -1 : 1;
  });
  const projected = noGrad(() =>
    scope(() =>
      rows
        .sub(mean)
        .matmul(axes)
        .mul(ops.tensor(Float32Array.from(signs), [1, 2], { backend: rows.backend })),
    ),
  );
  try {
    return new Float32Array(await projected.data());
  } finally {
    for (const t of [axes, mean, projected]) t.dispose();
  }
}
