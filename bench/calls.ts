// Per-call timing of a backend whose kernels finish before they return (WebAssembly, the
// reference): a Proxy that times every kernel method and counts its work from its arguments.
// Calls are grouped by method and shape, so "conv2dBackwardWeight 3×3 64→64 /1 14²" is one line.

import type { Backend, Conv2dParams, MatmulParams, Storage } from '../src/backend.js';

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

/** The Backend methods that are not kernels. */
const NOT_KERNELS = new Set(['alloc', 'free', 'write', 'read', 'sync', 'memory', 'resetPeak', 'destroy']);

const isStorage = (x: unknown): x is Storage => typeof x === 'object' && x !== null && 'size' in x && 'dtype' in x;

function convName(method: string, p: Conv2dParams): string {
  const pass = { conv2d: 'fwd', conv2dBackwardInput: 'grad input', conv2dBackwardWeight: 'grad weight' }[method] ?? method;
  return `${method.startsWith('conv2d') ? 'conv2d' : method} ${pass} ${p.kernelH}×${p.kernelW} ${p.inChannels}→${p.outChannels} /${p.strideH} ${p.height}²`;
}

/** Name and work of one call. */
function describe(method: string, args: unknown[]): { kernel: string; flops: number } {
  if (method === 'matmul') {
    const p = args[3] as MatmulParams;
    const shape = `${p.batch > 1 ? `${p.batch}×` : ''}${p.m}×${p.n}×${p.k}${p.transA ? ' Aᵀ' : ''}${p.transB ? ' Bᵀ' : ''}`;
    return { kernel: `matmul ${shape}`, flops: 2 * p.batch * p.m * p.n * p.k };
  }
  if (method.startsWith('conv2d')) {
    const p = args[3] as Conv2dParams;
    const flops = 2 * p.batch * p.outChannels * p.outHeight * p.outWidth * (p.inChannels / p.groups) * p.kernelH * p.kernelW;
    return { kernel: convName(method, p), flops };
  }
  if (method === 'unary' || method === 'binary' || method === 'reduce') return { kernel: `${method} ${String(args[0])}`, flops: 0 };
  return { kernel: method, flops: 0 };
}

/** `backend` with every kernel call timed; report() gives the calls since reset(), slowest first. */
export function profileCalls(backend: Backend): { backend: Backend; report: () => CallProfile[]; reset: () => void } {
  const totals = new Map<string, CallProfile>();
  const proxy = new Proxy(backend, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      const method = String(property);
      if (NOT_KERNELS.has(method)) return (value as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        const start = performance.now();
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        const ms = performance.now() - start;
        const { kernel, flops } = describe(method, args);
        const entry = totals.get(kernel) ?? { kernel, calls: 0, ms: 0, flops: 0, bytes: 0 };
        entry.calls++;
        entry.ms += ms;
        entry.flops += flops;
        entry.bytes += args.filter(isStorage).reduce((sum, s) => sum + 4 * s.size, 0);
        totals.set(kernel, entry);
        return result;
      };
    },
  });
  return { backend: proxy, report: () => [...totals.values()].sort((a, b) => b.ms - a.ms), reset: () => totals.clear() };
}
