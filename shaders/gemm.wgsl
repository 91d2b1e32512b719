// Matrix-product core shared by matmul.wgsl and conv2d.wgsl (convolution is a GEMM with
// an im2col reader). The including shader defines, for problem z of the dispatch:
//   gemmDims(z) -> vec4u             (m, n, kBegin, kEnd)
//   gemmReadA(z, row, k) -> f32      A is m × k
//   gemmReadB(z, k, col) -> f32      B is k × n
//   gemmWrite(z, row, col, value)
// The core checks bounds before reading, so sizes need not divide the tiles.

const BLOCK: u32 = 4u; // each thread accumulates a BLOCK × BLOCK block of C in registers
const TILE_K: u32 = 16u; // depth of one workgroup-memory stage
override TILE_X: u32 = 16u; // threads along n; a workgroup covers TILE_X·BLOCK columns
override TILE_Y: u32 = 16u; // threads along m; a workgroup covers TILE_Y·BLOCK rows

var<workgroup> tileA: array<f32, TILE_K * TILE_Y * BLOCK>;
var<workgroup> tileB: array<f32, TILE_K * TILE_X * BLOCK>;

fn readA(z: u32, row: u32, k: u32, dims: vec4u) -> f32 {
  if (row < dims.x && k < dims.w) { return gemmReadA(z, row, k); }
  return 0.0;
}

fn readB(z: u32, k: u32, col: u32, dims: vec4u) -> f32 {
  if (col < dims.y && k < dims.w) { return gemmReadB(z, k, col); }
  return 0.0;
}

// Thread (x, y) owns rows row0 + y + i·TILE_Y and columns col0 + x + j·TILE_X: neighbouring
// threads touch neighbouring addresses, in workgroup memory and in C.
fn writeBlock(z: u32, row0: u32, col0: u32, lid: vec3u, dims: vec4u, acc: array<array<f32, BLOCK>, BLOCK>) {
  for (var i = 0u; i < BLOCK; i++) {
    let row = row0 + lid.y + i * TILE_Y;
    for (var j = 0u; j < BLOCK; j++) {
      let col = col0 + lid.x + j * TILE_X;
      if (row < dims.x && col < dims.y) { gemmWrite(z, row, col, acc[i][j]); }
    }
  }
}

// Stages TILE_K-deep slices of A and B in workgroup memory; the fast path on real GPUs.
@compute @workgroup_size(TILE_X, TILE_Y)
fn gemmTiled(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let dims = gemmDims(wid.z);
  let rows = TILE_Y * BLOCK;
  let cols = TILE_X * BLOCK;
  let row0 = wid.y * rows;
  let col0 = wid.x * cols;
  let thread = lid.y * TILE_X + lid.x;
  var acc: array<array<f32, BLOCK>, BLOCK>;
  for (var k0 = dims.z; k0 < dims.w; k0 += TILE_K) {
    for (var e = thread; e < rows * TILE_K; e += TILE_X * TILE_Y) {
      tileA[(e % TILE_K) * rows + e / TILE_K] = readA(wid.z, row0 + e / TILE_K, k0 + e % TILE_K, dims);
    }
    for (var e = thread; e < cols * TILE_K; e += TILE_X * TILE_Y) {
      tileB[e] = readB(wid.z, k0 + e / cols, col0 + e % cols, dims);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      var a: array<f32, BLOCK>;
      var b: array<f32, BLOCK>;
      for (var i = 0u; i < BLOCK; i++) { a[i] = tileA[kk * rows + lid.y + i * TILE_Y]; }
      for (var j = 0u; j < BLOCK; j++) { b[j] = tileB[kk * cols + lid.x + j * TILE_X]; }
      for (var i = 0u; i < BLOCK; i++) {
        for (var j = 0u; j < BLOCK; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  writeBlock(wid.z, row0, col0, lid, dims, acc);
}

// The same register blocking reading straight from memory: no workgroup memory, no barriers,
// which CPU-emulated adapters (llvmpipe, SwiftShader) run faster.
@compute @workgroup_size(TILE_X, TILE_Y)
fn gemmRegisters(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let dims = gemmDims(wid.z);
  let row0 = wid.y * TILE_Y * BLOCK;
  let col0 = wid.x * TILE_X * BLOCK;
  var acc: array<array<f32, BLOCK>, BLOCK>;
  for (var k = dims.z; k < dims.w; k++) {
    var a: array<f32, BLOCK>;
    var b: array<f32, BLOCK>;
    for (var i = 0u; i < BLOCK; i++) { a[i] = readA(wid.z, row0 + lid.y + i * TILE_Y, k, dims); }
    for (var j = 0u; j < BLOCK; j++) { b[j] = readB(wid.z, k, col0 + lid.x + j * TILE_X, dims); }
    for (var i = 0u; i < BLOCK; i++) {
      for (var j = 0u; j < BLOCK; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
    }
  }
  writeBlock(wid.z, row0, col0, lid, dims, acc);
}

// One thread per element of C: the baseline the benchmarks compare against.
@compute @workgroup_size(TILE_X, TILE_Y)
fn gemmNaive(@builtin(global_invocation_id) gid: vec3u) {
  let dims = gemmDims(gid.z);
  if (gid.y >= dims.x || gid.x >= dims.y) { return; }
  var acc = 0.0;
  for (var k = dims.z; k < dims.w; k++) { acc = fma(gemmReadA(gid.z, gid.y, k), gemmReadB(gid.z, k, gid.x), acc); }
  gemmWrite(gid.z, gid.y, gid.x, acc);
}
