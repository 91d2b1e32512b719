// What the reference kernels need: the host array behind a storage handle.

import type { DType, Storage } from '../../backend.js';

export type HostArray = Float32Array | Float64Array | Int32Array | Uint32Array;

export class ReferenceStorage implements Storage {
  constructor(
    readonly dtype: DType,
    readonly size: number,
    readonly data: HostArray,
  ) {}
}

export function data(storage: Storage): HostArray {
  return (storage as ReferenceStorage).data;
}

/** The reference backend's context for its kernels (and extensions'): plain host arrays. */
export interface ReferenceContext {
  data(storage: Storage): HostArray;
}

export const REFERENCE_CONTEXT: ReferenceContext = { data };

/** Throws, naming the op, unless `row` is an integer in [0, rows). */
export function checkRow(op: string, row: number, rows: number): number {
  if (!Number.isInteger(row) || row < 0 || row >= rows) throw new Error(`${op}: index ${row} is out of range [0, ${rows})`);
  return row;
}
