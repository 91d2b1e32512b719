// SGD with momentum, Nesterov and weight decay (PyTorch's rule), one fused kernel per parameter.

import { KERNELS } from '../kernels.js';
import { zerosLike } from '../ops/creation.js';
import { keep } from '../scope.js';
import type { Tensor } from '../tensor.js';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD {
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  /** One velocity per parameter, created on the first step. */
  readonly velocities: (Tensor | null)[];

  constructor(
    readonly params: Tensor[],
    options: SgdOptions,
  ) {
    this.lr = options.lr;
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) throw new Error('SGD: Nesterov needs momentum > 0 and no dampening');
    this.velocities = params.map(() => null);
  }

  /** Updates every parameter that has a gradient, in place on its device. */
  step(): void {
    this.params.forEach((param, i) => {
      if (!param.grad) return;
      const velocity = (this.velocities[i] ??= keep(zerosLike(param)));
      param.backend.run(KERNELS.sgdStep, {
        param: param.storage,
        grad: param.grad.storage,
        velocity: velocity.storage,
        size: param.size,
        lr: this.lr,
        momentum: this.momentum,
        dampening: this.dampening,
        weightDecay: this.weightDecay,
        nesterov: this.nesterov,
      });
    });
  }

  /** Frees the gradients (the next backward() starts from none). */
  zeroGrad(): void {
    for (const param of this.params) {
      param.grad?.dispose();
      param.grad = null;
    }
  }

  dispose(): void {
    for (const velocity of this.velocities) velocity?.dispose();
    this.velocities.fill(null);
  }
}

/**
 * Cosine decay from `base` at step 0 to 0 at `total` steps, scaled by a linear warm-up over
 * the first `warmup` steps (step s gets (s + 1)/warmup of it).
 */
export function cosineLr(base: number, step: number, total: number, warmup = 0): number {
  const ramp = step < warmup ? (step + 1) / warmup : 1;
  return 0.5 * base * ramp * (1 + Math.cos((Math.PI * Math.min(step, total)) / total));
}
