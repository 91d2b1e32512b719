// The current backend: where creation functions put new tensors unless told otherwise.

import type { Backend } from './backend.js';

let current: Backend | null = null;

export function setBackend(backend: Backend): void {
  current = backend;
}

export function getBackend(): Backend {
  if (!current) throw new Error('no backend: call init() (or setBackend()) before creating tensors');
  return current;
}

/**
 * After a lost device (a DeviceLostError): a fresh backend like `lost`, and the default for
 * new tensors where `lost` was. Nothing on the old device survives: the caller disposes its
 * tensors, destroys `lost`, and makes what it needs again from host-side state.
 */
export async function reopenBackend(lost: Backend): Promise<Backend> {
  if (!lost.reopen) throw new Error(`the ${lost.name} backend has no device to open again`);
  const fresh = await lost.reopen();
  if (current === lost) current = fresh;
  return fresh;
}
