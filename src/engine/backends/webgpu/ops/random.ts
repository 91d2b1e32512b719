// Dispatches shaders/random.wgsl: one thread per Philox block of four values.

import source from '../../../../../shaders/random.wgsl';
import type { EngineArgs } from '../../../kernels.js';
import { counterWords } from '../../../random.js';
import { bufferOf, dispatchThreads, type GpuContext } from '../context.js';

export function random(ctx: GpuContext, p: EngineArgs<'random'>): void {
  const { out } = p;
  dispatchThreads(
    ctx,
    { shader: 'random', source, entry: 'random', params: 'RandomParams' },
    { size: out.size, normal: p.distribution === 'normal' ? 1 : 0, key: p.key, counter: counterWords(p.counter), a: p.a, b: p.b },
    [bufferOf(out)],
    Math.ceil(out.size / 4),
  );
}
