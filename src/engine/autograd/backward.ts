// Reverse-mode differentiation: a topological sort of the tape and a reverse walk.

import { add, ones } from '../ops/index.js';
import { formatShape, sameShape } from '../ops/util.js';
import { keep, scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { type GradRule, gradRules } from './rules.js';
import { noGrad, type OpName, type TapeNode } from './tape.js';

/** Tensors that lead to `root` through nodes, inputs before the tensors made from them. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [tensor, expanded] = stack.pop()!;
    if (expanded) {
      order.push(tensor);
      continue;
    }
    if (visited.has(tensor)) continue;
    visited.add(tensor);
    stack.push([tensor, true]);
    for (const input of tensor.node?.inputs ?? []) {
      if (input.requiresGrad && !visited.has(input)) stack.push([input, false]);
    }
  }
  return order;
}

/**
 * Accumulates d root / d leaf into `leaf.grad` for every leaf that requires grad.
 * Gradients of intermediate tensors are freed as soon as they have been propagated.
 */
export function backward(root: Tensor, gradient?: Tensor): void {
  if (!root.requiresGrad) throw new Error(`backward(): ${root} does not require grad`);
  if (!gradient && root.size !== 1) {
    throw new Error(`backward(): ${root} is not a scalar; pass the gradient of the output`);
  }
  if (gradient && !sameShape(gradient.shape, root.shape)) {
    throw new Error(`backward(): gradient ${formatShape(gradient.shape)} does not match output ${formatShape(root.shape)}`);
  }
  noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, gradient ? gradient.detach() : ones(root.shape, { backend: root.backend }));
    const order = topologicalOrder(root);
    for (let i = order.length - 1; i >= 0; i--) {
      const tensor = order[i]!;
      const g = grads.get(tensor);
      if (!g) continue;
      grads.delete(tensor);
      const node = tensor.node;
      if (!node) {
        accumulateLeaf(tensor, g);
        continue;
      }
      const rule = gradRules[node.op] as GradRule<OpName>;
      // The scope frees each rule's temporaries (masks, products) as soon as it returns.
      const inputGrads = scope(() => rule(g, node as TapeNode<OpName>));
      const returned = new Set<Tensor>();
      node.inputs.forEach((input, j) => {
        let inputGrad = inputGrads[j];
        if (!inputGrad || !input.requiresGrad) return;
        if (!sameShape(inputGrad.shape, input.shape)) {
          const gradShape = formatShape(inputGrad.shape);
          const inputShape = formatShape(input.shape);
          throw new Error(`backward(): the rule of '${node.op}' gave a ${gradShape} gradient for input ${j} ${inputShape}`);
        }
        // A rule may pass g (or one tensor) through to several inputs: give each its own alias.
        if (inputGrad === g || returned.has(inputGrad)) inputGrad = inputGrad.detach();
        returned.add(inputGrad);
        const previous = grads.get(input);
        if (previous) {
          grads.set(input, add(previous, inputGrad));
          previous.dispose();
          inputGrad.dispose();
        } else {
          grads.set(input, inputGrad);
        }
      });
      g.dispose();
    }
  });
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (leaf.grad && !leaf.grad.disposed) {
    const sum = add(leaf.grad, g);
    leaf.grad.dispose();
    g.dispose();
    leaf.grad = keep(sum);
  } else {
    leaf.grad = keep(g);
  }
}
