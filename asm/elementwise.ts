// Elementwise kernels (the twin of shaders/elementwise.wgsl): fill, unary maps, casts and
// broadcasting binary ops. Contiguous runs go through f32x4; the op is chosen once per call.
import { at, layoutDim, layoutRank, layoutRows, layoutStride, quadShareStart, rowOffset, shareStart } from './common';
import {
  BINARY_ADD, BINARY_DIV, BINARY_GREATER, BINARY_MAXIMUM, BINARY_MINIMUM, BINARY_MUL, BINARY_RELU_BACKWARD, BINARY_SUB,
  CastF32ToI32Params, CastI32ToF32Params, FillParams, UNARY_ABS, UNARY_ADD_SCALAR, UNARY_EXP, UNARY_LOG, UNARY_NEG, UNARY_POW,
  UNARY_MUL_SCALAR, UNARY_RELU, UNARY_RSQRT, UNARY_SQRT, UNARY_SQUARE, BinaryParams, UnaryParams,
} from './generated';

export function fill(p: FillParams): void {
  const out = p.out, size = p.size, bits = p.bits;
  const v = i32x4.splat(bits);
  let i = 0;
  for (; i + 4 <= size; i += 4) v128.store(at(out, i), v);
  for (; i < size; i++) store<u32>(at(out, i), bits);
}

/** x ** p, defined for negative x when p is an integer. */
function powScalar(x: f32, p: f32): f32 {
  if (x >= 0 || p != Mathf.trunc(p)) return Mathf.pow(x, p);
  const magnitude = Mathf.pow(-x, p);
  return (<i32>p & 1) == 1 ? -magnitude : magnitude;
}

@inline function unaryScalar(op: i32, x: f32, alpha: f32): f32 {
  switch (op) {
    case UNARY_NEG: return -x;
    case UNARY_EXP: return Mathf.exp(x);
    case UNARY_LOG: return Mathf.log(x);
    case UNARY_SQRT: return Mathf.sqrt(x);
    case UNARY_RSQRT: return 1 / Mathf.sqrt(x);
    case UNARY_RELU: return x > 0 ? x : 0;
    case UNARY_ABS: return Mathf.abs(x);
    case UNARY_SQUARE: return x * x;
    case UNARY_POW: return powScalar(x, alpha);
    case UNARY_ADD_SCALAR: return x + alpha;
    case UNARY_MUL_SCALAR: return x * alpha;
    default: return x;
  }
}

/** The f32x4 form of the ops that have one; returns false for the others. */
@inline function unaryVector(op: i32, x: usize, out: usize, size: i32, alpha: f32): i32 {
  const a = f32x4.splat(alpha);
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const v = v128.load(at(x, i));
    let r: v128;
    switch (op) {
      case UNARY_NEG: r = f32x4.neg(v); break;
      case UNARY_SQRT: r = f32x4.sqrt(v); break;
      case UNARY_RSQRT: r = f32x4.div(one, f32x4.sqrt(v)); break;
      case UNARY_RELU: r = f32x4.max(v, zero); break;
      case UNARY_ABS: r = f32x4.abs(v); break;
      case UNARY_SQUARE: r = f32x4.mul(v, v); break;
      case UNARY_ADD_SCALAR: r = f32x4.add(v, a); break;
      default: r = f32x4.mul(v, a); break; // UNARY_MUL_SCALAR
    }
    v128.store(at(out, i), r);
  }
  return i;
}

export function unary(p: UnaryParams): void {
  const op = p.op, x = p.x, out = p.out, size = p.size, alpha = p.alpha;
  const vectorized = op == UNARY_NEG || op == UNARY_SQRT || op == UNARY_RSQRT || op == UNARY_RELU || op == UNARY_ABS || op == UNARY_SQUARE
    || op == UNARY_ADD_SCALAR || op == UNARY_MUL_SCALAR;
  let i = vectorized ? unaryVector(op, x, out, size, alpha) : 0;
  for (; i < size; i++) store<f32>(at(out, i), unaryScalar(op, load<f32>(at(x, i)), alpha));
}

export function castF32ToI32(p: CastF32ToI32Params): void {
  for (let i = 0; i < p.size; i++) store<i32>(at(p.out, i), <i32>load<f32>(at(p.x, i)));
}

export function castI32ToF32(p: CastI32ToF32Params): void {
  for (let i = 0; i < p.size; i++) store<f32>(at(p.out, i), <f32>load<i32>(at(p.x, i)));
}

@inline function binaryScalar(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case BINARY_ADD: return a + b;
    case BINARY_SUB: return a - b;
    case BINARY_MUL: return a * b;
    case BINARY_DIV: return a / b;
    case BINARY_MAXIMUM: return a > b ? a : b;
    case BINARY_MINIMUM: return a < b ? a : b;
    case BINARY_RELU_BACKWARD: return b > 0 ? a : 0;
    case BINARY_GREATER: return a > b ? 1 : 0;
    default: return a == b ? 1 : 0; // BINARY_EQUAL
  }
}

@inline function binaryVector(op: i32, a: v128, b: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  switch (op) {
    case BINARY_ADD: return f32x4.add(a, b);
    case BINARY_SUB: return f32x4.sub(a, b);
    case BINARY_MUL: return f32x4.mul(a, b);
    case BINARY_DIV: return f32x4.div(a, b);
    case BINARY_MAXIMUM: return f32x4.max(a, b);
    case BINARY_MINIMUM: return f32x4.min(a, b);
    case BINARY_RELU_BACKWARD: return v128.and(a, f32x4.gt(b, zero));
    case BINARY_GREATER: return v128.and(one, f32x4.gt(a, b));
    default: return v128.and(one, f32x4.eq(a, b)); // BINARY_EQUAL
  }
}

/** One row of a binary op: `length` outputs from a (stride sa) and b (stride sb). */
@inline function binaryRow(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, length: i32): void {
  let i = 0;
  if (sa == 1 && sb == 1) {
    for (; i + 4 <= length; i += 4) v128.store(at(out, i), binaryVector(op, v128.load(at(a, i)), v128.load(at(b, i))));
  } else if (sa == 1 && sb == 0) {
    const bv = v128.load32_splat(b);
    for (; i + 4 <= length; i += 4) v128.store(at(out, i), binaryVector(op, v128.load(at(a, i)), bv));
  } else if (sa == 0 && sb == 1) {
    const av = v128.load32_splat(a);
    for (; i + 4 <= length; i += 4) v128.store(at(out, i), binaryVector(op, av, v128.load(at(b, i))));
  }
  for (; i < length; i++) store<f32>(at(out, i), binaryScalar(op, load<f32>(at(a, i * sa)), load<f32>(at(b, i * sb))));
}

/**
 * out (contiguous) = a op b, with a and b walked by a layout block of two operands. Parts take
 * whole rows when there are enough; otherwise (two contiguous operands are one long row) each
 * part takes a stretch of every row, cut at multiples of 4.
 */
export function binary(p: BinaryParams, part: i32, parts: i32): void {
  const op = p.op, a = p.a, b = p.b, out = p.out, layout = p.layout;
  const last = layoutRank(layout) - 1;
  const length = layoutDim(layout, last);
  const sa = layoutStride(layout, 0, last);
  const sb = layoutStride(layout, 1, last);
  const rows = layoutRows(layout);
  const byRows = rows >= parts;
  const first = byRows ? shareStart(rows, part, parts) : 0;
  const end = byRows ? shareStart(rows, part + 1, parts) : rows;
  const from = byRows ? 0 : quadShareStart(length, part, parts);
  const to = byRows ? length : quadShareStart(length, part + 1, parts);
  for (let row = first; row < end; row++) {
    const ra = rowOffset(layout, 0, row) + from * sa;
    const rb = rowOffset(layout, 1, row) + from * sb;
    binaryRow(op, at(a, ra), sa, at(b, rb), sb, at(out, row * length + from), to - from);
  }
}
