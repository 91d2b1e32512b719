// The in-place SGD kernel against PyTorch's update rule, on every backend.
import { describe, it } from 'vitest';
import * as ops from '../../src/index.js';
import { KERNELS } from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { expectClose, makeValues, seededRandom } from '../helpers/oracle.js';

const cases = await testBackends();

/** PyTorch's SGD step for one element, in f64. */
function step(p: number, g: number, v: number, lr: number, momentum: number, dampening: number, wd: number, nesterov: boolean) {
  const d = g + wd * p;
  const nv = momentum * v + (1 - dampening) * d;
  return { p: p - lr * (nesterov ? d + momentum * nv : nv), v: nv };
}

describe.each(cases)('sgdStep on $name', ({ backend }) => {
  it.skipIf(!backend).each([
    ['plain', 0, 0, 0, false],
    ['momentum and weight decay', 0.9, 0, 5e-4, false],
    ['Nesterov', 0.9, 0, 1e-2, true],
    ['dampening', 0.5, 0.3, 0, false],
  ])('%s, three steps', async (_, momentum, dampening, weightDecay, nesterov) => {
    const size = 1031; // not a multiple of any workgroup size
    const random = seededRandom(9);
    let p = makeValues({ shape: [size] }, random).map(Math.fround);
    let v = new Array<number>(size).fill(0);
    const param = ops.tensor(p, [size], { backend: backend! });
    const velocity = ops.zeros([size], { backend: backend! });
    for (let s = 0; s < 3; s++) {
      const g = makeValues({ shape: [size] }, random).map(Math.fround);
      const grad = ops.tensor(g, [size], { backend: backend! });
      const lr = 0.1 / (s + 1);
      const storages = { param: param.storage, grad: grad.storage, velocity: velocity.storage };
      backend!.run(KERNELS.sgdStep, { ...storages, size, lr, momentum, dampening, weightDecay, nesterov });
      const next = p.map((pi, i) => step(pi, g[i]!, v[i]!, lr, momentum, dampening, weightDecay, nesterov));
      p = next.map((n) => n.p);
      v = next.map((n) => n.v);
      grad.dispose();
    }
    expectClose(await param.toArray(), p, 1e-5, 1e-6, 'parameters');
    expectClose(await velocity.toArray(), v, 1e-5, 1e-6, 'velocity');
  });

  it.skipIf(!backend)('a hand-computed step', async () => {
    const param = ops.tensor([1, -2], [2], { backend: backend! });
    const velocity = ops.tensor([0.5, 0], [2], { backend: backend! });
    const grad = ops.tensor([0.2, 0.4], [2], { backend: backend! });
    backend!.run(KERNELS.sgdStep, {
      param: param.storage,
      grad: grad.storage,
      velocity: velocity.storage,
      size: 2,
      lr: 0.1,
      momentum: 0.9,
      dampening: 0,
      weightDecay: 0.1,
      nesterov: false,
    });
    // d = g + 0.1·p = [0.3, 0.2]; v = 0.9·v + d = [0.75, 0.2]; p -= 0.1·v
    expectClose(await velocity.toArray(), [0.75, 0.2], 1e-6, 1e-7, 'velocity');
    expectClose(await param.toArray(), [0.925, -2.02], 1e-6, 1e-7, 'parameters');
  });
});
