// Elementwise kernels: fill, unary maps, casts and broadcasting binary ops.
// OP is a pipeline constant, so each op compiles to its own branch-free kernel; its values
// (UNARY_*, BINARY_*) are src/engine/codes.ts's, prepended by src/engine/backends/webgpu/ops/elementwise.ts.

override OP: u32 = 0u;

struct FillParams { size: u32, bits: u32 }
struct UnaryParams { size: u32, alpha: f32 }
struct BinaryParams { size: u32, rank: u32, shape: Dims, aStrides: Dims, bStrides: Dims }

@group(0) @binding(0) var<uniform> fillParams: FillParams;
@group(0) @binding(1) var<storage, read_write> fillOut: array<u32>;

@compute @workgroup_size(WG)
fn fill(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i < fillParams.size) { fillOut[i] = fillParams.bits; }
}

@group(0) @binding(0) var<uniform> unaryParams: UnaryParams;
@group(0) @binding(1) var<storage, read> unaryIn: array<f32>;
@group(0) @binding(2) var<storage, read_write> unaryOut: array<f32>;

// x ** p, defined for negative x when p is an integer (WGSL's pow is not).
fn powScalar(x: f32, p: f32) -> f32 {
  if (x >= 0.0 || p != trunc(p)) { return pow(x, p); }
  let magnitude = pow(-x, p);
  return select(magnitude, -magnitude, (i32(p) & 1) == 1);
}

fn applyUnary(x: f32, alpha: f32) -> f32 {
  switch OP {
    case UNARY_NEG: { return -x; }
    case UNARY_EXP: { return exp(x); }
    case UNARY_LOG: { return log(x); }
    case UNARY_SQRT: { return sqrt(x); }
    case UNARY_RSQRT: { return inverseSqrt(x); }
    case UNARY_RELU: { return max(x, 0.0); }
    case UNARY_ABS: { return abs(x); }
    case UNARY_SQUARE: { return x * x; }
    case UNARY_POW: { return powScalar(x, alpha); }
    case UNARY_ADD_SCALAR: { return x + alpha; }
    case UNARY_MUL_SCALAR: { return x * alpha; }
    default: { return x; }
  }
}

@compute @workgroup_size(WG)
fn unary(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i < unaryParams.size) { unaryOut[i] = applyUnary(unaryIn[i], unaryParams.alpha); }
}

@group(0) @binding(1) var<storage, read> castInF32: array<f32>;
@group(0) @binding(2) var<storage, read_write> castOutI32: array<i32>;
@group(0) @binding(1) var<storage, read> castInI32: array<i32>;
@group(0) @binding(2) var<storage, read_write> castOutF32: array<f32>;

@compute @workgroup_size(WG)
fn castF32ToI32(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i < unaryParams.size) { castOutI32[i] = i32(castInF32[i]); }
}

@compute @workgroup_size(WG)
fn castI32ToF32(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i < unaryParams.size) { castOutF32[i] = f32(castInI32[i]); }
}

@group(0) @binding(0) var<uniform> binaryParams: BinaryParams;
@group(0) @binding(1) var<storage, read> lhs: array<f32>;
@group(0) @binding(2) var<storage, read> rhs: array<f32>;
@group(0) @binding(3) var<storage, read_write> binaryOut: array<f32>;

fn applyBinary(a: f32, b: f32) -> f32 {
  switch OP {
    case BINARY_ADD: { return a + b; }
    case BINARY_SUB: { return a - b; }
    case BINARY_MUL: { return a * b; }
    case BINARY_DIV: { return a / b; }
    case BINARY_MAXIMUM: { return max(a, b); }
    case BINARY_MINIMUM: { return min(a, b); }
    case BINARY_RELU_BACKWARD: { return select(0.0, a, b > 0.0); }
    case BINARY_GREATER: { return select(0.0, 1.0, a > b); }
    case BINARY_EQUAL: { return select(0.0, 1.0, a == b); }
    default: { return a; }
  }
}

@compute @workgroup_size(WG)
fn binary(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let p = binaryParams;
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  // Walk the axes once, accumulating both operands' offsets.
  var rest = i;
  var ia = 0u;
  var ib = 0u;
  for (var axis = i32(p.rank) - 1; axis >= 0; axis--) {
    let size = dimAt(p.shape, u32(axis));
    let coordinate = rest % size;
    rest /= size;
    ia += coordinate * dimAt(p.aStrides, u32(axis));
    ib += coordinate * dimAt(p.bStrides, u32(axis));
  }
  binaryOut[i] = applyBinary(lhs[ia], rhs[ib]);
}
