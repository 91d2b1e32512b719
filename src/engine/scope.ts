// Memory scopes: every tensor created inside scope(fn) is disposed when fn returns,
// except the tensors it returns and those passed to keep().

import type { Tensor } from './tensor.js';

const stack: Set<Tensor>[] = [];

/** Called by the Tensor constructor: the innermost open scope owns the new tensor. */
export function track(tensor: Tensor): void {
  stack[stack.length - 1]?.add(tensor);
}

/** Lets a tensor outlive every open scope; the caller then disposes it. */
export function keep<T extends Tensor>(tensor: T): T {
  for (const owned of stack) owned.delete(tensor);
  return tensor;
}

/**
 * Runs fn and disposes every tensor it created that is neither returned (directly,
 * in an array or in a plain object) nor kept. Returned tensors move to the enclosing scope.
 */
export function scope<T>(fn: () => T): T {
  const owned = new Set<Tensor>();
  stack.push(owned);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) throw new Error('scope(): fn must be synchronous; await outside the scope');
  } catch (error) {
    stack.pop();
    for (const tensor of owned) tensor.dispose();
    throw error;
  }
  stack.pop();
  const escaping = new Set<Tensor>();
  collectTensors(result, escaping);
  for (const tensor of owned) {
    if (escaping.has(tensor)) track(tensor);
    else tensor.dispose();
  }
  return result;
}

function collectTensors(value: unknown, into: Set<Tensor>): void {
  if (value === null || typeof value !== 'object') return;
  if (isTensor(value)) {
    into.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectTensors(item, into);
  } else if (value instanceof Map) {
    for (const item of value.values()) collectTensors(item, into);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) collectTensors(item, into);
  }
}

function isTensor(value: object): value is Tensor {
  return (value as { isTensor?: unknown }).isTensor === true;
}
