// L2 normalisation along an axis viewed as [outer, length, inner] (the twin of
// shaders/l2_normalize.wgsl): out = x / max(||x||, eps). Parallel by line; contiguous
// lines (inner = 1: rows, the common case) four elements at a time.
import { at, madd4, shareStart } from './common';
import { BlendNormalizeRowsParams, L2NormalizeBackwardParams, L2NormalizeParams } from './generated';

@inline function lineAt(length: i32, inner: i32, line: i32, j: i32): i32 {
  return ((line / inner) * length + j) * inner + line % inner;
}

export function l2Normalize(p: L2NormalizeParams, part: i32, parts: i32): void {
  const x = p.x, out = p.out, outer = p.outer, length = p.length, inner = p.inner, eps = p.eps;
  if (inner == 1) {
    // the blend below with y = x, α = 1, β = 0 (exactly x)
    blendRows(x, x, out, outer, length, 1, 0, eps, part, parts);
    return;
  }
  const lines = outer * inner;
  for (let line = shareStart(lines, part, parts); line < shareStart(lines, part + 1, parts); line++) {
    let squares: f64 = 0;
    for (let j = 0; j < length; j++) { const v = <f64>load<f32>(at(x, lineAt(length, inner, line, j))); squares += v * v; }
    const norm = Mathf.max(<f32>Math.sqrt(squares), eps);
    for (let j = 0; j < length; j++) {
      const i = lineAt(length, inner, line, j);
      store<f32>(at(out, i), load<f32>(at(x, i)) / norm);
    }
  }
}

/** Below eps the op is x/eps, a linear map; above, d(x/|x|) = (g - x·(x·g)/|x|²) / |x|. */
export function l2NormalizeBackward(p: L2NormalizeBackwardParams, part: i32, parts: i32): void {
  const x = p.x, gy = p.gy, gx = p.gx, outer = p.outer, length = p.length, inner = p.inner, eps = p.eps;
  const lines = outer * inner;
  for (let line = shareStart(lines, part, parts); line < shareStart(lines, part + 1, parts); line++) {
    let squares: f64 = 0;
    let dot: f64 = 0;
    for (let j = 0; j < length; j++) {
      const i = lineAt(length, inner, line, j);
      const v = <f64>load<f32>(at(x, i));
      squares += v * v;
      dot += v * <f64>load<f32>(at(gy, i));
    }
    const norm = Math.sqrt(squares);
    for (let j = 0; j < length; j++) {
      const i = lineAt(length, inner, line, j);
      const g = <f64>load<f32>(at(gy, i));
      const v = <f64>load<f32>(at(x, i));
      store<f32>(at(gx, i), <f32>(norm > eps ? (g - v * dot / squares) / norm : g / eps));
    }
  }
}

/**
 * Each contiguous row of α·x + β·y over max(its norm, eps), in one pass (the memory bank's
 * update): the blend is written first with its squares summed in f64 pairs, then divided.
 */
export function blendNormalizeRows(p: BlendNormalizeRowsParams, part: i32, parts: i32): void {
  blendRows(p.x, p.y, p.out, p.rows, p.length, p.alpha, p.beta, p.eps, part, parts);
}

/** blendNormalizeRows, shared with l2Normalize's rows. */
function blendRows(x: usize, y: usize, out: usize, rows: i32, length: i32, alpha: f32, beta: f32, eps: f32, part: i32, parts: i32): void {
  const alpha4 = f32x4.splat(alpha), beta4 = f32x4.splat(beta);
  for (let r = shareStart(rows, part, parts); r < shareStart(rows, part + 1, parts); r++) {
    const xRow = at(x, r * length), yRow = at(y, r * length), target = at(out, r * length);
    let low = f64x2.splat(0), high = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= length; j += 4) {
      const v = madd4(alpha4, v128.load(at(xRow, j)), f32x4.mul(beta4, v128.load(at(yRow, j))));
      v128.store(at(target, j), v);
      const a = f64x2.promote_low_f32x4(v), b = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
      low = f64x2.add(low, f64x2.mul(a, a));
      high = f64x2.add(high, f64x2.mul(b, b));
    }
    const pairs = f64x2.add(low, high);
    let squares = f64x2.extract_lane(pairs, 0) + f64x2.extract_lane(pairs, 1);
    for (; j < length; j++) {
      const v = alpha * load<f32>(at(xRow, j)) + beta * load<f32>(at(yRow, j));
      store<f32>(at(target, j), v);
      squares += <f64>v * <f64>v;
    }
    const norm = Mathf.max(<f32>Math.sqrt(squares), eps);
    const norm4 = f32x4.splat(norm);
    j = 0;
    for (; j + 4 <= length; j += 4) v128.store(at(target, j), f32x4.div(v128.load(at(target, j)), norm4));
    for (; j < length; j++) store<f32>(at(target, j), load<f32>(at(target, j)) / norm);
  }
}
