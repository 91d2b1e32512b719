// L2 normalisation along an axis, y = x / max(||x||, eps), and its gradient.
// One workgroup per line [outer, ·, inner] of a contiguous tensor; short contiguous rows,
// alone or blended from two tensors as the memory bank's update needs, one invocation each.

struct L2NormalizeParams { lines: u32, length: u32, inner: u32, eps: f32 }

@group(0) @binding(0) var<uniform> p: L2NormalizeParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> gy: array<f32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;

fn at(line: u32, j: u32) -> u32 {
  return ((line / p.inner) * p.length + j) * p.inner + line % p.inner;
}

@compute @workgroup_size(WG)
fn l2Normalize(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let line = flatWorkgroup(wid, groups);
  if (line >= p.lines) { return; }
  var squares = 0.0;
  for (var j = lid; j < p.length; j += WG) { squares += x[at(line, j)] * x[at(line, j)]; }
  let norm = max(sqrt(workgroupSum(squares, lid)), p.eps);
  for (var j = lid; j < p.length; j += WG) { y[at(line, j)] = x[at(line, j)] / norm; }
}

struct BlendParams { lines: u32, length: u32, alpha: f32, beta: f32, eps: f32 }

@group(0) @binding(0) var<uniform> blend: BlendParams;
@group(0) @binding(1) var<storage, read> blendX: array<f32>;
@group(0) @binding(2) var<storage, read> blendY: array<f32>;
@group(0) @binding(3) var<storage, read_write> blended: array<f32>;

// Each short contiguous row of α·x + β·y at unit norm, one invocation per row and no
// workgroup reduction: the bank update's blend, sum and renormalisation in one pass over the
// N×d rows instead of four, and l2Normalize's rows (y = x, α = 1, β = 0, exactly x). As N
// workgroups of barriers, renormalising the bank took 19 % of a step on SwiftShader.
@compute @workgroup_size(WG)
fn blendNormalizeRows(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lid: u32
) {
  let line = flatThread(wid, groups, lid);
  if (line >= blend.lines) { return; }
  let base = line * blend.length;
  var squares = 0.0;
  for (var j = 0u; j < blend.length; j++) {
    let v = blend.alpha * blendX[base + j] + blend.beta * blendY[base + j];
    blended[base + j] = v;
    squares += v * v;
  }
  let norm = max(sqrt(squares), blend.eps);
  for (var j = 0u; j < blend.length; j++) { blended[base + j] = blended[base + j] / norm; }
}

// Above eps: gx = (gy - x·(x·gy)/||x||²) / ||x||; below, the op is x/eps and gx = gy/eps.
@compute @workgroup_size(WG)
fn l2NormalizeBackward(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lid: u32
) {
  let line = flatWorkgroup(wid, groups);
  if (line >= p.lines) { return; }
  var squares = 0.0;
  var dot = 0.0;
  for (var j = lid; j < p.length; j += WG) {
    let v = x[at(line, j)];
    squares += v * v;
    dot += v * gy[at(line, j)];
  }
  let sumSquares = workgroupSum(squares, lid);
  let sumDot = workgroupSum(dot, lid);
  let norm = sqrt(sumSquares);
  for (var j = lid; j < p.length; j += WG) {
    let i = at(line, j);
    gx[i] = select(gy[i] / p.eps, (gy[i] - x[i] * sumDot / sumSquares) / norm, norm > p.eps);
  }
}
