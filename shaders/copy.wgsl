// Strided copy of 32-bit words: transpose, slice, concat, broadcast and padding are all this.

struct CopyParams { size: u32, rank: u32, srcOffset: u32, dstOffset: u32, shape: Dims, srcStrides: Dims, dstStrides: Dims }

@group(0) @binding(0) var<uniform> p: CopyParams;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(WG)
fn copy(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  var rest = i;
  var srcAt = p.srcOffset;
  var dstAt = p.dstOffset;
  for (var axis = i32(p.rank) - 1; axis >= 0; axis--) {
    let size = dimAt(p.shape, u32(axis));
    let coordinate = rest % size;
    rest /= size;
    srcAt += coordinate * dimAt(p.srcStrides, u32(axis));
    dstAt += coordinate * dimAt(p.dstStrides, u32(axis));
  }
  dst[dstAt] = src[srcAt];
}
