// The k largest entries of each row of a [rows, cols] matrix, their values and column
// indices, in no particular order: the kNN vote's neighbours, found on the device so that
// only rows·k values come back. One workgroup per row, a radix select on the floats' order-
// preserving 32-bit keys: four passes of an 8-bit histogram narrow down the key of the k-th
// largest entry, and a last pass writes every entry above it and as many entries equal to it
// as are still needed (which of several equal entries is taken is not specified).

struct TopKParams { rows: u32, cols: u32, k: u32 }

@group(0) @binding(0) var<uniform> p: TopKParams;
@group(0) @binding(1) var<storage, read> s: array<f32>;
@group(0) @binding(2) var<storage, read_write> values: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<i32>;

var<workgroup> histogram: array<atomic<u32>, 256>;
var<workgroup> chosen: vec2u;
var<workgroup> aboveCount: atomic<u32>;
var<workgroup> tieCount: atomic<u32>;

// Unsigned keys in the order of the floats: negatives flipped whole, positives above them.
fn orderedKey(x: f32) -> u32 {
  let bits = bitcast<u32>(x);
  return select(bits | 0x80000000u, ~bits, (bits & 0x80000000u) != 0u);
}

// Among the row's keys that equal `prefix` on `mask`: the 8-bit digit at `shift` of the
// `need`-th largest, and how many keys with that digit are still needed. Called four times
// in a row rather than from a loop: llvmpipe lets threads run past a barrier at the end of
// a loop before thread 0 is done (see common.wgsl).
fn radixPass(row: u32, lid: u32, prefix: u32, mask: u32, shift: u32, need: u32) -> vec2u {
  for (var d = lid; d < 256u; d += WG) { atomicStore(&histogram[d], 0u); }
  workgroupBarrier();
  for (var j = lid; j < p.cols; j += WG) {
    let key = orderedKey(s[row * p.cols + j]);
    if ((key & mask) == prefix) { atomicAdd(&histogram[(key >> shift) & 255u], 1u); }
  }
  workgroupBarrier();
  if (lid == 0u) {
    var count = 0u;
    var digit = 255u;
    loop {
      let c = atomicLoad(&histogram[digit]);
      if (count + c >= need || digit == 0u) { break; }
      count += c;
      digit -= 1u;
    }
    chosen = vec2u(digit, need - count);
  }
  workgroupBarrier();
  let result = chosen;
  workgroupBarrier();
  return result;
}

@compute @workgroup_size(WG)
fn topK(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = flatWorkgroup(wid, groups);
  if (row >= p.rows) { return; }
  var c = radixPass(row, lid, 0u, 0u, 24u, p.k);
  var threshold = c.x << 24u;
  c = radixPass(row, lid, threshold, 0xff000000u, 16u, c.y);
  threshold |= c.x << 16u;
  c = radixPass(row, lid, threshold, 0xffff0000u, 8u, c.y);
  threshold |= c.x << 8u;
  c = radixPass(row, lid, threshold, 0xffffff00u, 0u, c.y);
  threshold |= c.x;
  let ties = c.y; // entries equal to the threshold to take; the k − ties above it all go
  if (lid == 0u) {
    atomicStore(&aboveCount, 0u);
    atomicStore(&tieCount, 0u);
  }
  workgroupBarrier();
  for (var j = lid; j < p.cols; j += WG) {
    let x = s[row * p.cols + j];
    let key = orderedKey(x);
    var slot = p.k;
    if (key > threshold) {
      slot = atomicAdd(&aboveCount, 1u);
    } else if (key == threshold) {
      let t = atomicAdd(&tieCount, 1u);
      if (t < ties) { slot = p.k - ties + t; }
    }
    if (slot < p.k) {
      values[row * p.k + slot] = x;
      indices[row * p.k + slot] = i32(j);
    }
  }
}
