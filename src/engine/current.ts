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
