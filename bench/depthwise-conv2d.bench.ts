// `npm run bench -- depthwise`: the depthwise convolution kernels against the general grouped
// ones they replace (what conv2d ran for groups = channels before), forward and both gradients,
// in alternation in the same process, at the depthwise layers of mobilenetv2 (traced from the
// model at the given batch, so the shapes are the network's).

import type { Backend, Conv2dParams } from '../src/engine/backend.js';
import { type EngineArgs, KERNELS } from '../src/engine/kernels.js';
import { createBackbone, multiplyAdds, noGrad, randn, TracingBackend, zeros } from '../src/index.js';
import { compare, gflops, type Row } from './harness.js';

/** mobilenetv2's distinct depthwise geometries at `batch`, each with how often the network runs it. */
function depthwiseLayers(batch: number): { geometry: Conv2dParams; count: number }[] {
  const backend = new TracingBackend();
  const model = createBackbone('mobilenetv2', { backend }).eval();
  const calls = backend.record(() => noGrad(() => model.forward(zeros([batch, 1, 28, 28], { backend }))));
  const layers = new Map<string, { geometry: Conv2dParams; count: number }>();
  for (const { kernel, args } of calls) {
    if (kernel !== 'depthwiseConv2d') continue;
    const { x: _x, w: _w, out: _out, ...geometry } = args as unknown as EngineArgs<'depthwiseConv2d'>;
    const key = JSON.stringify(geometry);
    const layer = layers.get(key) ?? layers.set(key, { geometry, count: 0 }).get(key)!;
    layer.count++;
  }
  return [...layers.values()];
}

export interface DepthwiseBench {
  rows: Row[];
  /** Milliseconds of every depthwise layer of one training step (each pass, each layer as often as the network has it). */
  step: { depthwise: number; grouped: number };
}

export async function benchDepthwise(backend: Backend, batch: number, reps: number): Promise<DepthwiseBench> {
  const rows: Row[] = [];
  const step = { depthwise: 0, grouped: 0 };
  for (const { geometry: g, count } of depthwiseLayers(batch)) {
    const x = randn([g.batch, g.inChannels, g.height, g.width], { backend, seed: 1 });
    const w = randn([g.outChannels, 1, g.kernelH, g.kernelW], { backend, seed: 2 });
    const y = randn([g.batch, g.outChannels, g.outHeight, g.outWidth], { backend, seed: 3 });
    const flops = 2 * multiplyAdds({ kernel: 'depthwiseConv2d', args: { ...g } });
    /** Each pass on the depthwise kernel (true) or the general grouped one (false). */
    const passes: [string, (depthwise: boolean) => void][] = [
      ['forward', (d) => backend.run(d ? KERNELS.depthwiseConv2d : KERNELS.conv2d, { x: x.storage, w: w.storage, out: y.storage, ...g })],
      [
        'grad input',
        (d) =>
          backend.run(d ? KERNELS.depthwiseConv2dBackwardInput : KERNELS.conv2dBackwardInput, {
            gy: y.storage,
            w: w.storage,
            gx: x.storage,
            ...g,
          }),
      ],
      [
        'grad weight',
        (d) =>
          backend.run(d ? KERNELS.depthwiseConv2dBackwardWeight : KERNELS.conv2dBackwardWeight, {
            x: x.storage,
            gy: y.storage,
            gw: w.storage,
            ...g,
          }),
      ],
    ];
    const layer = `${g.inChannels} ch, ${g.height}² → ${g.outHeight}²${g.strideH > 1 ? ` (stride ${g.strideH})` : ''}`;
    for (const [pass, run] of passes) {
      const { candidate, baseline } = await compare(
        backend,
        () => run(true),
        () => run(false),
        reps,
      );
      step.depthwise += count * candidate.median;
      step.grouped += count * baseline.median;
      rows.push({
        layer,
        'times in the net': count,
        pass,
        'depthwise ms': candidate.median,
        'grouped ms': baseline.median,
        speedup: baseline.median / candidate.median,
        'depthwise GFLOPS': gflops(flops, candidate.median),
        'grouped GFLOPS': gflops(flops, baseline.median),
      });
      console.log(`  ${layer} ${pass}: ${(baseline.median / candidate.median).toFixed(2)}×`);
    }
    for (const t of [x, w, y]) t.dispose();
  }
  return { rows, step };
}
