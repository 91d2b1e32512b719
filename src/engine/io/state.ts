// Saving and loading a module's state dict (and any other named tensors) as a .sslgpu file.

import type { Module } from '../nn/module.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { decodeTensorFile, encodeTensorFile, type NamedArray } from './tensor-file.js';

/** Downloads named tensors into host arrays, ready for encodeTensorFile. */
export async function readTensors(named: Iterable<[string, Tensor]>): Promise<NamedArray[]> {
  const arrays: NamedArray[] = [];
  for (const [name, t] of named) arrays.push({ name, dtype: t.dtype, shape: [...t.shape], data: await t.data() });
  return arrays;
}

/** The module's parameters and buffers as file bytes. */
export async function saveStateDict(module: Module, meta: unknown = {}): Promise<Uint8Array> {
  return encodeTensorFile({ meta, tensors: await readTensors(module.stateDict()) });
}

/** Loads file bytes into the module's tensors (names, dtypes and shapes must match). */
export function loadStateDict(module: Module, bytes: Uint8Array, source = 'state dict'): unknown {
  const file = decodeTensorFile(bytes, source);
  const backend = module.namedTensors()[0]?.[1].backend;
  const state = new Map(file.tensors.map((t): [string, Tensor] => [t.name, tensor(t.data, t.shape, { dtype: t.dtype, backend })]));
  try {
    module.loadStateDict(state);
  } finally {
    for (const t of state.values()) t.dispose();
  }
  return file.meta;
}
