// Prelude of every shader module: workgroup size, 2-D grid indexing and N-d layouts.

// Threads per workgroup of the 1-D kernels; the dispatcher sets it per adapter.
override WG: u32 = 256u;

// Up to 8 axes, packed four to a vec4 so the array fits uniform-buffer layout rules.
alias Dims = array<vec4u, 2>;

fn dimAt(d: Dims, axis: u32) -> u32 {
  return d[axis / 4u][axis % 4u];
}

// Grids wider than 65535 workgroups wrap into y; this undoes the wrap.
fn flatWorkgroup(wid: vec3u, groups: vec3u) -> u32 {
  return wid.y * groups.x + wid.x;
}

fn flatThread(wid: vec3u, groups: vec3u, lid: u32) -> u32 {
  return flatWorkgroup(wid, groups) * WG + lid;
}

// Offset of flat index i of `shape` under `strides` (row-major walk).
fn stridedOffset(i: u32, rank: u32, shape: Dims, strides: Dims) -> u32 {
  var rest = i;
  var offset = 0u;
  for (var axis = i32(rank) - 1; axis >= 0; axis--) {
    let size = dimAt(shape, u32(axis));
    offset += (rest % size) * dimAt(strides, u32(axis));
    rest /= size;
  }
  return offset;
}

// Tree reduction across one workgroup; call from uniform control flow with WG a power of two.
var<workgroup> partialSums: array<f32, 256>;
var<workgroup> partialIndex: array<u32, 256>;
var<workgroup> reduced: f32;

// Thread 0 publishes the result through `reduced` behind a barrier outside the loop:
// llvmpipe lets threads past a barrier at the end of a loop before thread 0 has finished it.
fn broadcastResult(lid: u32) -> f32 {
  if (lid == 0u) { reduced = partialSums[0]; }
  workgroupBarrier();
  let result = reduced;
  workgroupBarrier();
  return result;
}

fn workgroupSum(value: f32, lid: u32) -> f32 {
  partialSums[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) { partialSums[lid] += partialSums[lid + stride]; }
    workgroupBarrier();
  }
  return broadcastResult(lid);
}

fn workgroupMax(value: f32, lid: u32) -> f32 {
  partialSums[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) { partialSums[lid] = max(partialSums[lid], partialSums[lid + stride]); }
    workgroupBarrier();
  }
  return broadcastResult(lid);
}
