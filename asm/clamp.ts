// Clamping to [low, high] and its gradient (the twin of shaders/clamp.wgsl), f32x4 over each
// part's share of the elements. Parallel: ReLU6 runs over MobileNetV2's widest activations.
import { at, quadShareStart } from './common';
import { ClampBackwardParams, ClampParams } from './generated';

export function clamp(p: ClampParams, part: i32, parts: i32): void {
  const x = p.x, out = p.out, low = p.low, high = p.high;
  const lowV = f32x4.splat(low), highV = f32x4.splat(high);
  const end = quadShareStart(p.size, part + 1, parts);
  let i = quadShareStart(p.size, part, parts);
  for (; i + 4 <= end; i += 4) v128.store(at(out, i), f32x4.min(f32x4.max(v128.load(at(x, i)), lowV), highV));
  for (; i < end; i++) store<f32>(at(out, i), min<f32>(max<f32>(load<f32>(at(x, i)), low), high));
}

/** gx = gy where low < x < high, else 0. */
export function clampBackward(p: ClampBackwardParams, part: i32, parts: i32): void {
  const x = p.x, gy = p.gy, gx = p.gx, low = p.low, high = p.high;
  const lowV = f32x4.splat(low), highV = f32x4.splat(high);
  const end = quadShareStart(p.size, part + 1, parts);
  let i = quadShareStart(p.size, part, parts);
  for (; i + 4 <= end; i += 4) {
    const v = v128.load(at(x, i));
    v128.store(at(gx, i), v128.and(v128.load(at(gy, i)), v128.and(f32x4.gt(v, lowV), f32x4.lt(v, highV))));
  }
  for (; i < end; i++) {
    const v = load<f32>(at(x, i));
    store<f32>(at(gx, i), v > low && v < high ? load<f32>(at(gy, i)) : 0);
  }
}
