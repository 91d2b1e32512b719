// The backbones' and the encoder's tensor names as PyTorch names them in the equivalent modules
// (python/sslgpu_torch.py): a Sequential's children by index (no `layers.`), BatchNorm's
// running statistics as running_mean and running_var, and each BatchNorm's
// num_batches_tracked, which PyTorch keeps and these modules do not.

import type { Module } from '../engine/nn/module.js';
import type { SafeTensor } from '../formats/safetensors.js';

/** The PyTorch name of one of a module's tensors (Module.namedTensors). */
export function torchName(name: string): string {
  return name
    .split('.')
    .filter((part) => part !== 'layers')
    .map((part) => (part === 'runningMean' ? 'running_mean' : part === 'runningVar' ? 'running_var' : part))
    .join('.');
}

/** The num_batches_tracked buffer PyTorch has beside the running mean `name`, or null for another tensor. */
function batchesTrackedName(name: string): string | null {
  return name.endsWith('.runningMean') ? torchName(name).replace(/running_mean$/, 'num_batches_tracked') : null;
}

/**
 * A module's parameters and buffers under their PyTorch names, read back from the device, as
 * safetensors' tensors (a num_batches_tracked of 0 beside each BatchNorm's statistics, so that
 * PyTorch's load_state_dict finds every tensor it expects).
 */
export async function torchTensors(module: Module): Promise<SafeTensor[]> {
  const tensors: SafeTensor[] = [];
  for (const [name, t] of module.namedTensors()) {
    tensors.push({ name: torchName(name), dtype: 'F32', shape: [...t.shape], data: Float32Array.from(await t.data()) });
    const tracked = batchesTrackedName(name);
    if (tracked) tensors.push({ name: tracked, dtype: 'I64', shape: [], data: new BigInt64Array(1) });
  }
  return tensors;
}
