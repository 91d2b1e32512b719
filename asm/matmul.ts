// Batched matmul (the twin of shaders/matmul.wgsl): C[z] = op(A[z])·op(B[z]) (+ bias[j]) on
// the core of gemm.ts, which takes either operand's transpose as a pair of strides.
import { shareStart } from './common';
import { gemm, gemmWorkspaceBytes, MR, NR } from './gemm';
import { MatmulParams, MatmulWorkspaceBytesParams } from './generated';

/** Per-part scratch bytes of matmul (sized for any share of the work). */
export function matmulWorkspaceBytes(p: MatmulWorkspaceBytesParams): i32 {
  return gemmWorkspaceBytes(p.m, p.n, p.k);
}

/**
 * a, b, out, bias, workspace: byte pointers; sizes and batch strides in elements (a stride of
 * 0 broadcasts). C[z] is m×n at out + z·m·n. A part takes whole products when there are at
 * least as many as parts, else an MR-aligned share of rows (or NR-aligned share of columns
 * when n > m) of each: every element is computed the same way for any `parts`.
 */
export function matmul(p: MatmulParams, part: i32, parts: i32): void {
  const a = p.a, b = p.b, out = p.out, bias = p.bias, hasBias = bias != 0, batch = p.batch, m = p.m, n = p.n, k = p.k;
  const transA = p.transA, transB = p.transB, aBatchStride = p.aBatchStride, bBatchStride = p.bBatchStride;
  const workspace = p.workspace + <usize>part * <usize>p.workspaceStride;
  const ars = transA ? 1 : k, acs = transA ? m : 1;
  const bks = transB ? 1 : n, bcs = transB ? k : 1;
  let z0 = 0, z1 = batch, r0 = 0, r1 = m, c0 = 0, c1 = n;
  if (batch >= parts) {
    z0 = shareStart(batch, part, parts);
    z1 = shareStart(batch, part + 1, parts);
  } else if (m >= n) {
    const units = (m + MR - 1) / MR;
    r0 = min<i32>(m, shareStart(units, part, parts) * MR);
    r1 = min<i32>(m, shareStart(units, part + 1, parts) * MR);
  } else {
    const units = (n + NR - 1) / NR;
    c0 = min<i32>(n, shareStart(units, part, parts) * NR);
    c1 = min<i32>(n, shareStart(units, part + 1, parts) * NR);
  }
  if (r0 >= r1 || c0 >= c1) return;
  for (let z = z0; z < z1; z++) {
    const az = a + (<usize>z * aBatchStride << 2);
    const bz = b + (<usize>z * bBatchStride << 2);
    const cz = out + (<usize>z * m * n << 2);
    // Bias (or zeros when there is no depth) goes in first; the product then adds to it.
    const prefill = hasBias || k == 0;
    if (prefill) {
      for (let i = r0; i < r1; i++) {
        const row = cz + (<usize>(i * n + c0) << 2);
        if (hasBias) memory.copy(row, bias + (<usize>c0 << 2), <usize>(c1 - c0) << 2);
        else memory.fill(row, 0, <usize>(c1 - c0) << 2);
      }
    }
    if (k == 0) continue;
    gemm(
      az + (<usize>r0 * ars << 2), ars, acs,
      bz + (<usize>c0 * bcs << 2), bks, bcs,
      cz + (<usize>(r0 * n + c0) << 2), n,
      r1 - r0, c1 - c0, k, prefill, workspace,
    );
  }
}
