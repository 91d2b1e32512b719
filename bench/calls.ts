// Per-call timing of a backend whose kernels finish before they return (WebAssembly, the
// reference): a Proxy whose run() times every kernel and counts its work from its arguments.
// Calls are grouped by kernel and shape, so "conv2d grad weight 3×3 64→64 /1 14²" is one line.

import type { Backend, Conv2dParams, MatmulParams, Storage } from '../src/engine/backend.js';
import type { Kernel } from '../src/engine/kernels.js';
import { multiplyAdds } from '../src/engine/trace.js';

export interface CallProfile {
  kernel: string;
  calls: number;
  /** Total milliseconds. */
  ms: number;
  /** Floating-point operations (matmul and convolution only; 0 elsewhere). */
  flops: number;
  /** Bytes of every operand read or written, once each. */
  bytes: number;
}

const isStorage = (x: unknown): x is Storage => typeof x === 'object' && x !== null && 'size' in x && 'dtype' in x;

function convName(kernel: string, p: Conv2dParams): string {
  const family = kernel.startsWith('depthwise') ? 'depthwise' : kernel.startsWith('conv2dWinograd') ? 'winograd' : 'conv2d';
  const pass = kernel.endsWith('BackwardInput') ? 'grad input' : kernel.endsWith('BackwardWeight') ? 'grad weight' : 'fwd';
  return `${family} ${pass} ${p.kernelH}×${p.kernelW} ${p.inChannels}→${p.outChannels} /${p.strideH} ${p.height}²`;
}

/** Name and work of one call of the kernel named `kernel`. */
function describe(kernel: string, args: Record<string, unknown>): { kernel: string; flops: number } {
  if (kernel === 'matmul') {
    const p = args as unknown as MatmulParams;
    const shape = `${p.batch > 1 ? `${p.batch}×` : ''}${p.m}×${p.n}×${p.k}${p.transA ? ' Aᵀ' : ''}${p.transB ? ' Bᵀ' : ''}`;
    return { kernel: `matmul ${shape}`, flops: 2 * multiplyAdds({ kernel, args }) };
  }
  if (kernel.startsWith('conv2d') || kernel.startsWith('depthwiseConv2d')) {
    return { kernel: convName(kernel, args as unknown as Conv2dParams), flops: 2 * multiplyAdds({ kernel, args }) };
  }
  if (kernel === 'unary' || kernel === 'binary' || kernel === 'reduce') return { kernel: `${kernel} ${String(args.op)}`, flops: 0 };
  return { kernel, flops: 0 };
}

/** `backend` with every kernel run timed; report() gives the calls since reset(), slowest first. */
export function profileCalls(backend: Backend): { backend: Backend; report: () => CallProfile[]; reset: () => void } {
  const totals = new Map<string, CallProfile>();
  const run = <Args>(kernel: Kernel<Args>, args: Args): void => {
    const start = performance.now();
    backend.run(kernel, args);
    const ms = performance.now() - start;
    const record = args as Record<string, unknown>;
    const described = describe(kernel.name, record);
    const entry = totals.get(described.kernel) ?? { kernel: described.kernel, calls: 0, ms: 0, flops: 0, bytes: 0 };
    entry.calls++;
    entry.ms += ms;
    entry.flops += described.flops;
    entry.bytes += Object.values(record)
      .filter(isStorage)
      .reduce((sum, s) => sum + 4 * s.size, 0);
    totals.set(described.kernel, entry);
  };
  const proxy = new Proxy(backend, {
    get(target, property) {
      if (property === 'run') return run;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { backend: proxy, report: () => [...totals.values()].sort((a, b) => b.ms - a.ms), reset: () => totals.clear() };
}
