// Module: a tree of layers owning parameters (tensors that require grad) and buffers
// (running statistics), found by walking the module's own fields in declaration order.

import { noGrad } from '../autograd/tape.js';
import { KERNELS } from '../kernels.js';
import { formatShape, sameShape, wholeCopy } from '../ops/util.js';
import { Tensor } from '../tensor.js';

export abstract class Module {
  /** Training mode: batch statistics in BatchNorm, and so on. */
  training = true;

  abstract forward(x: Tensor): Tensor;

  /** Child modules, named by field (or by index inside an array field). */
  children(): [string, Module][] {
    const found: [string, Module][] = [];
    for (const [name, value] of Object.entries(this)) {
      if (value instanceof Module) found.push([name, value]);
      else if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) if (item instanceof Module) found.push([`${name}.${i}`, item]);
      }
    }
    return found;
  }

  private ownTensors(): [string, Tensor][] {
    return Object.entries(this).filter((entry): entry is [string, Tensor] => entry[1] instanceof Tensor);
  }

  /** Every tensor of this module and its children, by dotted path: parameters and buffers. */
  namedTensors(prefix = ''): [string, Tensor][] {
    return [
      ...this.ownTensors().map(([name, t]): [string, Tensor] => [prefix + name, t]),
      ...this.children().flatMap(([name, child]) => child.namedTensors(`${prefix}${name}.`)),
    ];
  }

  namedParameters(): [string, Tensor][] {
    return this.namedTensors().filter(([, t]) => t.requiresGrad);
  }

  /** The trainable tensors, in a stable order (the optimiser's state follows it). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Parameters and buffers by name; the tensors themselves, not copies. */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedTensors());
  }

  /** Copies values into this module's tensors; every name and shape must match. */
  loadStateDict(state: Map<string, Tensor>): void {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((name) => !state.has(name));
    const unexpected = [...state.keys()].filter((name) => !own.has(name));
    if (missing.length || unexpected.length) {
      throw new Error(`loadStateDict: missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}]`);
    }
    // every tensor is checked before the first is copied: a refused state dict changes nothing
    for (const [name, target] of own) {
      const source = state.get(name)!;
      if (!sameShape(source.shape, target.shape) || source.dtype !== target.dtype) {
        const given = `${source.dtype}${formatShape(source.shape)}`;
        const expected = `${target.dtype}${formatShape(target.shape)}`;
        throw new Error(`loadStateDict: ${name} is ${given}, the module has ${expected}`);
      }
      if (source.backend !== target.backend) throw new Error(`loadStateDict: ${name} lives on another backend`);
    }
    noGrad(() => {
      for (const [name, target] of own) {
        if (target.size > 0) target.backend.run(KERNELS.copy, wholeCopy(state.get(name)!.storage, target.storage, target.size));
      }
    });
  }

  train(mode = true): this {
    this.training = mode;
    for (const [, child] of this.children()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Frees every parameter and buffer (and their gradients). */
  dispose(): void {
    for (const [, t] of this.namedTensors()) {
      t.grad?.dispose();
      t.dispose();
    }
  }
}
