// Strided copy (the twin of shaders/copy.wgsl): dst[dstOffset + Σ i·dstStrides] =
// src[srcOffset + Σ i·srcStrides], moving 32-bit words whatever their dtype.
import { at, layoutDim, layoutRank, layoutRows, layoutStride, rowOffset } from './common';
import { CopyParams } from './generated';

export function copy(p: CopyParams): void {
  const src = p.src, srcOffset = p.srcOffset, dst = p.dst, dstOffset = p.dstOffset, layout = p.layout;
  const last = layoutRank(layout) - 1;
  const length = layoutDim(layout, last);
  const ss = layoutStride(layout, 0, last);
  const ds = layoutStride(layout, 1, last);
  const rows = layoutRows(layout);
  for (let row = 0; row < rows; row++) {
    const s = at(src, srcOffset + rowOffset(layout, 0, row));
    const d = at(dst, dstOffset + rowOffset(layout, 1, row));
    if (ss == 1 && ds == 1) {
      memory.copy(d, s, <usize>length << 2);
    } else {
      for (let i = 0; i < length; i++) store<u32>(at(d, i * ds), load<u32>(at(s, i * ss)));
    }
  }
}
