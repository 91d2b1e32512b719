// The memory-bank softmaxes of docs/method.md §3 over a chunk of bank columns: statistics merged
// online across chunks (so the bank never has to fit one binding), then the gradient with
// respect to the similarities. One workgroup per batch row. The statistics' layout (BANK_STATS
// floats a row, slots BANK_SLOT_*) is src/method/bank-stats.ts's, prepended by
// src/method/backends/webgpu.ts.

struct BankParams { rows: u32, cols: u32, colOffset: u32, tau: f32, lambda: f32 }

@group(0) @binding(0) var<uniform> p: BankParams;
@group(0) @binding(1) var<storage, read> s: array<f32>;

@group(0) @binding(2) var<storage, read_write> stats: array<f32>;

const LOWEST = -3.4028234663852886e38;

@compute @workgroup_size(WG)
fn bankStats(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = flatWorkgroup(wid, groups);
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  var localMax = LOWEST;
  for (var j = lid; j < p.cols; j += WG) { localMax = max(localMax, s[base + j]); }
  let chunkMax = workgroupMax(localMax, lid);
  var zTau = 0.0;
  var zOne = 0.0;
  var zHalf = 0.0;
  var weighted = 0.0;
  for (var j = lid; j < p.cols; j += WG) {
    let v = s[base + j];
    let e = exp(v - chunkMax);
    zTau += exp((v - chunkMax) / p.tau);
    zOne += e;
    zHalf += sqrt(e); // e^{(s−M)/2} = √e^{s−M}: one exponential fewer
    weighted += e * v;
  }
  zTau = workgroupSum(zTau, lid);
  zOne = workgroupSum(zOne, lid);
  zHalf = workgroupSum(zHalf, lid);
  weighted = workgroupSum(weighted, lid);
  if (lid == 0u) {
    let at = row * BANK_STATS;
    let oldMax = stats[at + BANK_SLOT_MAX];
    let newMax = max(oldMax, chunkMax);
    let keep = oldMax - newMax; // ≤ 0: rescales the sums so far
    let add = chunkMax - newMax;
    stats[at + BANK_SLOT_MAX] = newMax;
    stats[at + BANK_SLOT_Z_TAU] = stats[at + BANK_SLOT_Z_TAU] * exp(keep / p.tau) + zTau * exp(add / p.tau);
    stats[at + BANK_SLOT_Z_ONE] = stats[at + BANK_SLOT_Z_ONE] * exp(keep) + zOne * exp(add);
    stats[at + BANK_SLOT_Z_HALF] = stats[at + BANK_SLOT_Z_HALF] * exp(keep * 0.5) + zHalf * exp(add * 0.5);
    stats[at + BANK_SLOT_WEIGHTED] = stats[at + BANK_SLOT_WEIGHTED] * exp(keep) + weighted * exp(add);
  }
}

@group(0) @binding(2) var<storage, read> finalStats: array<f32>;
@group(0) @binding(3) var<storage, read> index: array<i32>;
@group(0) @binding(4) var<storage, read_write> g: array<f32>;
@group(0) @binding(5) var<storage, read_write> q: array<f32>;

@compute @workgroup_size(WG)
fn bankGrad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = flatWorkgroup(wid, groups);
  if (row >= p.rows) { return; }
  let at = row * BANK_STATS;
  let m = finalStats[at + BANK_SLOT_MAX];
  let logZTau = m / p.tau + log(finalStats[at + BANK_SLOT_Z_TAU]);
  let logZOne = m + log(finalStats[at + BANK_SLOT_Z_ONE]);
  let meanS = finalStats[at + BANK_SLOT_WEIGHTED] / finalStats[at + BANK_SLOT_Z_ONE]; // Σ p̃·s
  let batch = f32(p.rows);
  let own = index[row] - i32(p.colOffset);
  for (var j = lid; j < p.cols; j += WG) {
    let v = s[row * p.cols + j];
    let prob = exp(v / p.tau - logZTau);
    let probOne = exp(v - logZOne);
    let y = select(0.0, 1.0, i32(j) == own);
    g[row * p.cols + j] = (prob - y) / (batch * p.tau) + p.lambda / (2.0 * batch) * probOne * (v - meanS);
    q[row * p.cols + j] = y - prob;
  }
}
