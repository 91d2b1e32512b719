// Which kernels a computation runs, and on what, without running any: a backend that only
// records its calls. Shapes never depend on values, so a model's forward pass traced on one
// image yields every layer's geometry (and from it the multiply-adds) in microseconds and
// without the weights' memory.

import {
  type AnyTypedArray,
  type Backend,
  type Conv2dParams,
  type DType,
  type MatmulParams,
  type MemoryStats,
  type Storage,
  typedArrayFor,
} from './backend.js';
import type { Kernel } from './kernels.js';

export interface KernelCall {
  kernel: string;
  /** The call's argument record as the op gave it (storage handles hold no data). */
  args: Record<string, unknown>;
}

/** A backend whose storage holds nothing and whose kernels are recorded, not run; reads give zeros. */
export class TracingBackend implements Backend {
  readonly name = 'trace';
  readonly kind = 'reference' as const;
  readonly description = 'records kernel calls, computes nothing';
  readonly maxBindingBytes = Number.MAX_SAFE_INTEGER;
  readonly calls: KernelCall[] = [];
  /** Bytes of every storage asked for so far (none is ever freed): what running the calls would have allocated. */
  allocatedBytes = 0;

  alloc(dtype: DType, size: number): Storage {
    this.allocatedBytes += size * typedArrayFor(dtype, 0).BYTES_PER_ELEMENT;
    return { dtype, size };
  }

  free(): void {}

  write(): void {}

  async read(storage: Storage): Promise<AnyTypedArray> {
    return typedArrayFor(storage.dtype, storage.size);
  }

  async sync(): Promise<void> {}

  memory(): MemoryStats {
    return { liveBuffers: 0, liveBytes: 0, pooledBuffers: 0, pooledBytes: 0, peakBytes: 0 };
  }

  resetPeak(): void {}

  destroy(): void {}

  run<Args>(kernel: Kernel<Args>, args: Args): void {
    this.calls.push({ kernel: kernel.name, args: args as Record<string, unknown> });
  }

  /** The calls `fn` makes. */
  record(fn: () => unknown): KernelCall[] {
    const start = this.calls.length;
    fn();
    return this.calls.slice(start);
  }
}

/**
 * Every pass of the convolutions, general, Winograd and depthwise: each as many multiply-adds as
 * the forward one of the direct convolution (Winograd's fewer products count as more work done).
 */
const CONVOLUTIONS = new Set(
  (['conv2d', 'conv2dWinograd', 'depthwiseConv2d'] as const).flatMap((name) => [name, `${name}BackwardInput`, `${name}BackwardWeight`]),
);

/**
 * Multiply-adds of a call: those of the convolutions (every pass) and the matrix products;
 * every other kernel counts none, as MAC counts usually go.
 */
export function multiplyAdds({ kernel, args }: KernelCall): number {
  if (CONVOLUTIONS.has(kernel)) {
    const p = args as unknown as Conv2dParams;
    return p.batch * p.outChannels * p.outHeight * p.outWidth * (p.inChannels / p.groups) * p.kernelH * p.kernelW;
  }
  if (kernel !== 'matmul') return 0;
  const p = args as unknown as MatmulParams;
  return p.batch * p.m * p.n * p.k;
}
