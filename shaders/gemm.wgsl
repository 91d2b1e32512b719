// Matrix-product core shared by matmul.wgsl and the conv2d*.wgsl shaders (convolution is a
// GEMM whose readers do the im2col indexing). The including shader defines, for problem z:
//   gemmDims(z) -> vec4u                   (m, n, kBegin, kEnd)
//   GemmRow, GemmCol, GemmDepth            what reading needs to know about a row of A, a
//                                          column of B and a step along K; computed once each
//   gemmRow(z, row) -> GemmRow,  gemmCol(z, col) -> GemmCol,  gemmDepth(z, k) -> GemmDepth
//   gemmReadA(GemmRow, GemmDepth) -> f32,  gemmReadB(GemmDepth, GemmCol) -> f32
//   gemmWrite(z, row, col, value)
// The core keeps rows, columns and k in range, so readers never check bounds of A or B.
// GEMM_BLOCK, GEMM_TILE_K and GEMM_REG come from src/engine/backends/webgpu/ops/gemm.ts (GEMM_TILES).

override TILE_X: u32 = 16u; // threads along n
override TILE_Y: u32 = 16u; // threads along m

var<workgroup> tileA: array<f32, GEMM_TILE_K * TILE_Y * GEMM_BLOCK>;
var<workgroup> tileB: array<f32, GEMM_TILE_K * TILE_X * GEMM_BLOCK>;

// Stages GEMM_TILE_K-deep slices of A and B in workgroup memory: the fast path on real GPUs.
// Thread (x, y) owns rows row0 + y + i·TILE_Y and columns col0 + x + j·TILE_X, so that
// neighbouring threads touch neighbouring addresses in workgroup memory and in C.
@compute @workgroup_size(TILE_X, TILE_Y)
fn gemmTiled(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let z = wid.z;
  let dims = gemmDims(z);
  let rows = TILE_Y * GEMM_BLOCK;
  let cols = TILE_X * GEMM_BLOCK;
  let row0 = wid.y * rows;
  let col0 = wid.x * cols;
  let thread = lid.y * TILE_X + lid.x;
  var acc: array<array<f32, GEMM_BLOCK>, GEMM_BLOCK>;
  for (var k0 = dims.z; k0 < dims.w; k0 += GEMM_TILE_K) {
    for (var e = thread; e < rows * GEMM_TILE_K; e += TILE_X * TILE_Y) {
      let row = row0 + e / GEMM_TILE_K;
      let k = k0 + e % GEMM_TILE_K;
      var value = 0.0;
      if (row < dims.x && k < dims.w) { value = gemmReadA(gemmRow(z, row), gemmDepth(z, k)); }
      tileA[(e % GEMM_TILE_K) * rows + e / GEMM_TILE_K] = value;
    }
    for (var e = thread; e < cols * GEMM_TILE_K; e += TILE_X * TILE_Y) {
      let col = col0 + e % cols;
      let k = k0 + e / cols;
      var value = 0.0;
      if (col < dims.y && k < dims.w) { value = gemmReadB(gemmDepth(z, k), gemmCol(z, col)); }
      tileB[e] = value;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < GEMM_TILE_K; kk++) {
      var a: array<f32, GEMM_BLOCK>;
      var b: array<f32, GEMM_BLOCK>;
      for (var i = 0u; i < GEMM_BLOCK; i++) { a[i] = tileA[kk * rows + lid.y + i * TILE_Y]; }
      for (var j = 0u; j < GEMM_BLOCK; j++) { b[j] = tileB[kk * cols + lid.x + j * TILE_X]; }
      for (var i = 0u; i < GEMM_BLOCK; i++) {
        for (var j = 0u; j < GEMM_BLOCK; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < GEMM_BLOCK; i++) {
    let row = row0 + lid.y + i * TILE_Y;
    for (var j = 0u; j < GEMM_BLOCK; j++) {
      let col = col0 + lid.x + j * TILE_X;
      if (row < dims.x && col < dims.y) { gemmWrite(z, row, col, acc[i][j]); }
    }
  }
}

// Register blocking straight from memory: no workgroup memory and no barriers, which
// CPU-emulated adapters (llvmpipe, SwiftShader) run fastest. Rows and columns past the edge
// are clamped onto the last one, so the inner loop has no branches; their sums are dropped.
@compute @workgroup_size(TILE_X, TILE_Y)
fn gemmRegisters(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let z = wid.z;
  let dims = gemmDims(z);
  if (dims.x == 0u || dims.y == 0u) { return; }
  let row0 = wid.y * TILE_Y * GEMM_REG + lid.y;
  let col0 = wid.x * TILE_X * GEMM_REG + lid.x;
  var rows: array<GemmRow, GEMM_REG>;
  var cols: array<GemmCol, GEMM_REG>;
  for (var i = 0u; i < GEMM_REG; i++) {
    rows[i] = gemmRow(z, min(row0 + i * TILE_Y, dims.x - 1u));
    cols[i] = gemmCol(z, min(col0 + i * TILE_X, dims.y - 1u));
  }
  var acc: array<array<f32, GEMM_REG>, GEMM_REG>;
  for (var k = dims.z; k < dims.w; k++) {
    let depth = gemmDepth(z, k);
    var a: array<f32, GEMM_REG>;
    var b: array<f32, GEMM_REG>;
    for (var i = 0u; i < GEMM_REG; i++) { a[i] = gemmReadA(rows[i], depth); }
    for (var j = 0u; j < GEMM_REG; j++) { b[j] = gemmReadB(depth, cols[j]); }
    for (var i = 0u; i < GEMM_REG; i++) {
      for (var j = 0u; j < GEMM_REG; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
    }
  }
  for (var i = 0u; i < GEMM_REG; i++) {
    let row = row0 + i * TILE_Y;
    for (var j = 0u; j < GEMM_REG; j++) {
      let col = col0 + j * TILE_X;
      if (row < dims.x && col < dims.y) { gemmWrite(z, row, col, acc[i][j]); }
    }
  }
}

// One thread per element of C: the baseline the benchmarks compare against.
@compute @workgroup_size(TILE_X, TILE_Y)
fn gemmNaive(@builtin(global_invocation_id) gid: vec3u) {
  let z = gid.z;
  let dims = gemmDims(z);
  if (gid.y >= dims.x || gid.x >= dims.y) { return; }
  let row = gemmRow(z, gid.y);
  let col = gemmCol(z, gid.x);
  var acc = 0.0;
  for (var k = dims.z; k < dims.w; k++) {
    let depth = gemmDepth(z, k);
    acc = fma(gemmReadA(row, depth), gemmReadB(depth, col), acc);
  }
  gemmWrite(z, gid.y, gid.x, acc);
}
