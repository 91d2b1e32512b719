// Softmax and log-softmax along an axis, their gradient, and cross-entropy with integer
// targets. One workgroup per line; the line is [outer, ·, inner] of a contiguous tensor.

struct SoftmaxParams { lines: u32, length: u32, inner: u32, log: u32 }

@group(0) @binding(0) var<uniform> p: SoftmaxParams;

fn at(line: u32, j: u32) -> u32 {
  return ((line / p.inner) * p.length + j) * p.inner + line % p.inner;
}

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn softmax(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let line = flatWorkgroup(wid, groups);
  if (line >= p.lines) { return; }
  var localMax = -3.4028234663852886e38;
  for (var j = lid; j < p.length; j += WG) { localMax = max(localMax, x[at(line, j)]); }
  let lineMax = workgroupMax(localMax, lid);
  var sum = 0.0;
  for (var j = lid; j < p.length; j += WG) { sum += exp(x[at(line, j)] - lineMax); }
  let total = workgroupSum(sum, lid);
  let logTotal = log(total);
  for (var j = lid; j < p.length; j += WG) {
    let shifted = x[at(line, j)] - lineMax;
    y[at(line, j)] = select(exp(shifted) / total, shifted - logTotal, p.log == 1u);
  }
}

@group(0) @binding(1) var<storage, read> yIn: array<f32>;
@group(0) @binding(2) var<storage, read> gy: array<f32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;

// softmax: gx = y·(gy - Σ gy·y); log-softmax: gx = gy - exp(y)·Σ gy.
@compute @workgroup_size(WG)
fn softmaxBackward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let line = flatWorkgroup(wid, groups);
  if (line >= p.lines) { return; }
  var partial = 0.0;
  for (var j = lid; j < p.length; j += WG) {
    let i = at(line, j);
    partial += select(gy[i] * yIn[i], gy[i], p.log == 1u);
  }
  let dot = workgroupSum(partial, lid);
  for (var j = lid; j < p.length; j += WG) {
    let i = at(line, j);
    gx[i] = select(yIn[i] * (gy[i] - dot), gy[i] - exp(yIn[i]) * dot, p.log == 1u);
  }
}

// Cross-entropy rows: lines = rows, length = classes, inner = 1.
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> losses: array<f32>;
@group(0) @binding(3) var<storage, read> gLoss: array<f32>;
@group(0) @binding(4) var<storage, read_write> gLogits: array<f32>;

// The row's max and Σ exp(logit - max), for a stable log-sum-exp.
fn rowMaxAndSum(row: u32, lid: u32) -> vec2f {
  var localMax = -3.4028234663852886e38;
  for (var j = lid; j < p.length; j += WG) { localMax = max(localMax, logits[row * p.length + j]); }
  let rowMax = workgroupMax(localMax, lid);
  var sum = 0.0;
  for (var j = lid; j < p.length; j += WG) { sum += exp(logits[row * p.length + j] - rowMax); }
  return vec2f(rowMax, workgroupSum(sum, lid));
}

@compute @workgroup_size(WG)
fn crossEntropy(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = flatWorkgroup(wid, groups);
  if (row >= p.lines) { return; }
  let stats = rowMaxAndSum(row, lid);
  if (lid == 0u) {
    let label = min(labels[row], p.length - 1u);
    losses[row] = stats.x + log(stats.y) - logits[row * p.length + label];
  }
}

@compute @workgroup_size(WG)
fn crossEntropyBackward(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lid: u32
) {
  let row = flatWorkgroup(wid, groups);
  if (row >= p.lines) { return; }
  let stats = rowMaxAndSum(row, lid);
  let label = labels[row];
  for (var j = lid; j < p.length; j += WG) {
    let probability = exp(logits[row * p.length + j] - stats.x) / stats.y;
    gLogits[row * p.length + j] = gLoss[row] * (probability - select(0.0, 1.0, j == label));
  }
}
