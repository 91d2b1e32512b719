// Dispatches shaders/memory_bank.wgsl: one workgroup per batch row.

import type { MemoryBankParams, Storage } from '../../../backend.js';
import source from '../../../../shaders/memory_bank.wgsl';
import { bufferOf, dispatchLines, type GpuContext } from '../context.js';

function uniforms(p: MemoryBankParams) {
  return { rows: p.rows, cols: p.cols, colOffset: p.colOffset, tau: p.tau, lambda: p.lambda };
}

export function bankStats(ctx: GpuContext, s: Storage, stats: Storage, p: MemoryBankParams): void {
  dispatchLines(ctx, { shader: 'memory_bank', source, entry: 'bankStats', params: 'BankParams' }, uniforms(p), [s, stats].map(bufferOf), p.rows);
}

export function bankGrad(ctx: GpuContext, s: Storage, stats: Storage, index: Storage, g: Storage, q: Storage, p: MemoryBankParams): void {
  dispatchLines(ctx, { shader: 'memory_bank', source, entry: 'bankGrad', params: 'BankParams' }, uniforms(p), [s, stats, index, g, q].map(bufferOf), p.rows);
}
