// L2 normalisation along an axis viewed as [outer, length, inner] (the twin of
// shaders/l2_normalize.wgsl): out = x / max(||x||, eps). Parallel by line.
import { at, shareStart } from './common';

@inline function lineAt(length: i32, inner: i32, line: i32, j: i32): i32 {
  return ((line / inner) * length + j) * inner + line % inner;
}

export function l2Normalize(x: usize, out: usize, outer: i32, length: i32, inner: i32, eps: f32, part: i32, parts: i32): void {
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
export function l2NormalizeBackward(x: usize, gy: usize, gx: usize, outer: i32, length: i32, inner: i32, eps: f32, part: i32, parts: i32): void {
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
