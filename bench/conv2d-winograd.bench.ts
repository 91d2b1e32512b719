// `npm run bench -- conv2d`: Winograd F(2×2, 3×3) against the implicit GEMM for the 3×3 stride-1
// convolutions of fmnist-resnet (the method's step: 28², 14² and 7² maps at widths 0.5 and 1),
// every pass, alternating in one process, with effective GFLOPS: the direct convolution's
// FLOPs (2·N·Cout·H·W·Cin·9) over the time, so a kernel that does fewer multiplies shows
// more than the machine's GFLOPS. `--sweep` measures the grid of channels × map sizes behind
// the selection rule in src/engine/ops/conv2d.ts instead; `--step` the whole method step, with
// Winograd as conv2d picks it against the same step with every Winograd kernel mapped back to
// the implicit GEMM's.

import type { Backend, Conv2dParams } from '../src/engine/backend.js';
import { KERNELS, type Kernel } from '../src/engine/kernels.js';
import { winogradPays } from '../src/engine/ops/conv2d.js';
import { conv2dGeometry } from '../src/engine/ops/geometry.js';
import { multiplyAdds, randn } from '../src/index.js';
import { median } from '../src/numbers.js';
import { compare, gflops, type Row } from './harness.js';
import { oursContestant } from './train.bench.js';

export interface ConvCase {
  name: string;
  geometry: Conv2dParams;
}

/** The 3×3 stride-1 convolutions of fmnist-resnet at `widths`, batch `batch`. */
export function stepConvolutions(batch: number, widths: number[]): ConvCase[] {
  return widths.flatMap((width) => {
    const c = Math.max(1, Math.round(32 * width));
    const at = (name: string, cin: number, cout: number, size: number) => ({
      name: `w${width} ${name} ${cin}→${cout} ${size}²`,
      geometry: conv2dGeometry([batch, cin, size, size], [cout, cin, 3, 3], 1, 1, 1),
    });
    return [at('stem', 1, c, 28), at('stage1', c, c, 28), at('stage2', 2 * c, 2 * c, 14), at('stage3', 4 * c, 4 * c, 7)];
  });
}

/** Square convolutions Cin = Cout over a grid of channels and map sizes: the rule's measurements. */
export function sweepConvolutions(batch: number): ConvCase[] {
  return [28, 14, 7].flatMap((size) =>
    [4, 8, 16, 32, 64, 128].map((c) => ({
      name: `${c}→${c} ${size}²`,
      geometry: conv2dGeometry([batch, c, size, size], [c, c, 3, 3], 1, 1, 1),
    })),
  );
}

const PASSES = [
  ['forward', KERNELS.conv2dWinograd, KERNELS.conv2d],
  ['grad input', KERNELS.conv2dWinogradBackwardInput, KERNELS.conv2dBackwardInput],
  ['grad weight', KERNELS.conv2dWinogradBackwardWeight, KERNELS.conv2dBackwardWeight],
] as const;

export async function benchWinograd(backend: Backend, cases: ConvCase[], reps: number, only = ''): Promise<Row[]> {
  const rows: Row[] = [];
  for (const { name, geometry: g } of cases) {
    const x = randn([g.batch, g.inChannels, g.height, g.width], { backend, seed: 1 });
    const w = randn([g.outChannels, g.inChannels, 3, 3], { backend, seed: 2 });
    const y = randn([g.batch, g.outChannels, g.outHeight, g.outWidth], { backend, seed: 3 });
    const flops = 2 * multiplyAdds({ kernel: 'conv2d', args: { ...g } });
    for (const [pass, winograd, gemm] of PASSES.filter(([pass]) => pass.includes(only))) {
      const args = { x: x.storage, w: w.storage, out: y.storage, gy: y.storage, gx: x.storage, gw: w.storage, ...g };
      const { candidate, baseline } = await compare(
        backend,
        () => backend.run(winograd as never, args),
        () => backend.run(gemm as never, args),
        reps,
      );
      rows.push({
        conv: name,
        pass,
        'gemm ms': baseline.median,
        'winograd ms': candidate.median,
        speedup: baseline.median / candidate.median,
        'gemm GFLOPS': gflops(flops, baseline.median),
        'winograd eff. GFLOPS': gflops(flops, candidate.median),
        'rule picks': winogradPays(g, backend.kind, pass === 'grad weight' ? 'weight' : pass === 'grad input' ? 'input' : 'forward')
          ? 'winograd'
          : 'gemm',
      });
      console.log(`  ${name} ${pass}: ${(baseline.median / candidate.median).toFixed(2)}×`);
    }
    for (const t of [x, w, y]) t.dispose();
  }
  return rows;
}

/** `backend` with every Winograd kernel run as the implicit GEMM's: the step as it was before. */
function gemmOnly(backend: Backend): Backend {
  const gemm = new Map<string, Kernel<unknown>>(PASSES.map(([, winograd, implicit]) => [winograd.name, implicit as Kernel<unknown>]));
  const run = <Args>(kernel: Kernel<Args>, args: Args) => backend.run((gemm.get(kernel.name) ?? kernel) as Kernel<Args>, args);
  return new Proxy(backend, {
    get(target, property) {
      if (property === 'run') return run;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The method's step at `npm start`'s setting and the train bench's, with and without Winograd, alternating step by step. */
export async function benchWinogradStep(backend: Backend, batch: number, reps: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [width, bankSize] of [
    [0.5, 10_000],
    [1, 60_000],
  ] as const) {
    const winograd = oursContestant(backend, batch, { width, bankSize });
    const gemm = oursContestant(gemmOnly(backend), batch, { width, bankSize });
    await winograd.step();
    await gemm.step();
    const times: [number[], number[]] = [[], []];
    for (let i = 0; i < reps; i++) {
      for (const [k, contestant] of [winograd, gemm].entries()) {
        const start = performance.now();
        await contestant.step();
        times[k]!.push(performance.now() - start);
      }
    }
    const [w, g] = times.map(median) as [number, number];
    rows.push({
      width,
      N: bankSize,
      'GEMM step ms': g,
      'Winograd step ms': w,
      'GEMM images/s': (1000 * batch) / g,
      'Winograd images/s': (1000 * batch) / w,
      speedup: g / w,
    });
    console.log(`  width ${width}, N ${bankSize}: ${(g / w).toFixed(2)}×`);
    winograd.dispose();
    gemm.dispose();
  }
  return rows;
}
