// Reductions over an arbitrary set of axes. reduceWide gives each output a workgroup
// (long reductions); reduceNarrow gives each output a thread (many short reductions).
// OP: REDUCE_SUM, REDUCE_MAX or REDUCE_ARGMAX (first index of the maximum), src/engine/codes.ts's
// codes prepended by src/engine/backends/webgpu/ops/reduce.ts.

override OP: u32 = 0u;

struct ReduceParams {
  outputs: u32, count: u32, keptRank: u32, reducedRank: u32,
  keptShape: Dims, keptStrides: Dims, reducedShape: Dims, reducedStrides: Dims,
}

@group(0) @binding(0) var<uniform> p: ReduceParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn valueAt(base: u32, j: u32) -> f32 {
  return x[base + stridedOffset(j, p.reducedRank, p.reducedShape, p.reducedStrides)];
}

// Whether (value, index) beats the current best: larger, or equal with a smaller index.
fn beats(value: f32, index: u32, best: f32, bestIndex: u32) -> bool {
  return value > best || (value == best && index < bestIndex);
}

// argmax writes i32 indices; their bits go through the f32 view of the same buffer.
fn store(o: u32, value: f32, index: u32) {
  out[o] = select(value, bitcast<f32>(i32(index)), OP == REDUCE_ARGMAX);
}

@compute @workgroup_size(WG)
fn reduceWide(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = flatWorkgroup(wid, groups);
  if (o >= p.outputs) { return; } // uniform: o is the same for the whole workgroup
  let base = stridedOffset(o, p.keptRank, p.keptShape, p.keptStrides);
  if (OP == REDUCE_SUM) {
    var acc = 0.0;
    for (var j = lid; j < p.count; j += WG) { acc += valueAt(base, j); }
    let total = workgroupSum(acc, lid);
    if (lid == 0u) { out[o] = total; }
    return;
  }
  var best = -3.4028234663852886e38;
  var bestIndex = 0xffffffffu;
  for (var j = lid; j < p.count; j += WG) {
    let v = valueAt(base, j);
    if (beats(v, j, best, bestIndex)) { best = v; bestIndex = j; }
  }
  partialSums[lid] = best;
  partialIndex[lid] = bestIndex;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride && beats(partialSums[lid + stride], partialIndex[lid + stride], partialSums[lid], partialIndex[lid])) {
      partialSums[lid] = partialSums[lid + stride];
      partialIndex[lid] = partialIndex[lid + stride];
    }
    workgroupBarrier();
  }
  if (lid == 0u) { store(o, partialSums[0], partialIndex[0]); }
}

@compute @workgroup_size(WG)
fn reduceNarrow(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = flatThread(wid, groups, lid);
  if (o >= p.outputs) { return; }
  let base = stridedOffset(o, p.keptRank, p.keptShape, p.keptStrides);
  var acc = select(valueAt(base, 0u), 0.0, OP == REDUCE_SUM);
  var bestIndex = 0u;
  for (var j = select(1u, 0u, OP == REDUCE_SUM); j < p.count; j++) {
    let v = valueAt(base, j);
    if (OP == REDUCE_SUM) { acc += v; } else if (v > acc) { acc = v; bestIndex = j; }
  }
  store(o, acc, bestIndex);
}
