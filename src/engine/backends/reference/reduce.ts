// Sum, max and argmax over the reduced axes of a strided view.

import type { EngineArgs } from '../../kernels.js';
import type { ReferenceContext } from './context.js';
import { forEachOffset } from './strided.js';

export function reduce({ data }: ReferenceContext, { op, x, out, ...layout }: EngineArgs<'reduce'>): void {
  const xv = data(x),
    o = data(out);
  let i = 0;
  forEachOffset(layout.keptShape, [layout.keptStrides], [0], ([base]) => {
    let acc = op === 'sum' ? 0 : -Infinity;
    let best = 0,
      position = 0;
    forEachOffset(layout.reducedShape, [layout.reducedStrides], [base!], ([offset]) => {
      const v = xv[offset!]!;
      if (op === 'sum') acc += v;
      else if (position === 0 || v > acc) {
        acc = v;
        best = position;
      }
      position++;
    });
    o[i++] = op === 'argmax' ? best : acc;
  });
}
