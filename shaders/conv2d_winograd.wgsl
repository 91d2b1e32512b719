// Winograd F(2×2, 3×3) for 3×3 convolutions of stride 1 and padding 1 (the twin of
// asm/conv2d_winograd.ts): the transforms around 16 batched GEMMs, which run on matmul.wgsl.
// Tiles t < tiles are numbered image by image, tile row by tile row, and laid out in `splits`
// runs of `chunk` (the weight gradient's split K; tiles past the end are zeros): the
// transformed tensors are [ξ][split][channel][chunk], so for each ξ and split one GEMM reads
// contiguous rows. A thread per (channel, tile) for the tile transforms, per filter for the
// filter transforms.
//   filters:     U[ξ][r][c] = G g Gᵀ (g = w[r][c], or with FLIP w[c][r] rotated by 180°)
//   inputTiles:  V[ξ][c][t] = Bᵀ d B, d the 4×4 patch of x at rows 2ty−1…, columns 2tx−1…
//   outputTiles: y 2×2 block of tile t = Aᵀ M[ξ][o][t] A
//   gradTiles:   Z[ξ][o][t] = A dY Aᵀ, dY the 2×2 block of gy of tile t
//   filtersBack: gw[o][c] = Gᵀ (Σ_split GW[ξ][split][o][c]) G

override FLIP: bool = false;

struct WinogradParams {
  size: u32, channels: u32, height: u32, width: u32,
  tilesH: u32, tilesW: u32, tiles: u32, chunk: u32,
  splits: u32, rows: u32, cols: u32,
}

@group(0) @binding(0) var<uniform> p: WinogradParams;

@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> u: array<f32>;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> v: array<f32>;

@group(0) @binding(1) var<storage, read> m: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@group(0) @binding(1) var<storage, read> sums: array<f32>;
@group(0) @binding(2) var<storage, read_write> gw: array<f32>;

// [x, ½(x + y + z), ½(x − y + z), z]: G applied to three values.
fn filterRow(a: vec3f) -> vec4f {
  return vec4f(a.x, 0.5 * (a.x + a.y + a.z), 0.5 * (a.x - a.y + a.z), a.z);
}

@compute @workgroup_size(WG)
fn filters(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  let r = i / p.cols;
  let c = i % p.cols;
  var g: array<vec3f, 3>;
  if (FLIP) {
    let at = (c * p.rows + r) * 9u;
    for (var k = 0u; k < 3u; k++) { g[k] = vec3f(w[at + 8u - 3u * k], w[at + 7u - 3u * k], w[at + 6u - 3u * k]); }
  } else {
    let at = i * 9u;
    for (var k = 0u; k < 3u; k++) { g[k] = vec3f(w[at + 3u * k], w[at + 3u * k + 1u], w[at + 3u * k + 2u]); }
  }
  // G g (four rows of three), then each row through G.
  let rows = array<vec3f, 4>(g[0], 0.5 * (g[0] + g[1] + g[2]), 0.5 * (g[0] - g[1] + g[2]), g[2]);
  let plane = p.rows * p.cols;
  for (var k = 0u; k < 4u; k++) {
    let row = filterRow(rows[k]);
    for (var j = 0u; j < 4u; j++) { u[(k * 4u + j) * plane + i] = row[j]; }
  }
}

// Where tile t's value of channel c and position xi goes in a [ξ][split][channel][chunk] tensor.
fn tileIndex(xi: u32, c: u32, t: u32) -> u32 {
  let split = t / p.chunk;
  return ((xi * p.splits + split) * p.channels + c) * p.chunk + t % p.chunk;
}

// Tile t of channel c: its plane's offset in an [image][channel][height][width] tensor, and the
// output row and column of its top-left output.
fn tileAt(t: u32, c: u32) -> vec3u {
  let perImage = p.tilesH * p.tilesW;
  return vec3u(((t / perImage) * p.channels + c) * p.height * p.width, ((t % perImage) / p.tilesW) * 2u, (t % p.tilesW) * 2u);
}

// Bᵀ applied to four values: Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1].
fn inputRow(d: vec4f) -> vec4f { return vec4f(d.x - d.z, d.y + d.z, d.z - d.y, d.y - d.w); }

@compute @workgroup_size(WG)
fn inputTiles(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  let c = i / (p.splits * p.chunk);
  let t = i % (p.splits * p.chunk);
  var d: array<vec4f, 4>;
  if (t < p.tiles) {
    let at = tileAt(t, c);
    let plane = at.x;
    let top = i32(at.y) - 1;
    let left = i32(at.z) - 1;
    for (var r = 0; r < 4; r++) {
      let ih = top + r;
      if (ih < 0 || ih >= i32(p.height)) { continue; }
      for (var s = 0; s < 4; s++) {
        let iw = left + s;
        if (iw >= 0 && iw < i32(p.width)) { d[r][s] = x[plane + u32(ih) * p.width + u32(iw)]; }
      }
    }
  }
  // Bᵀ down the columns, then along each row.
  let rows = array<vec4f, 4>(d[0] - d[2], d[1] + d[2], d[2] - d[1], d[1] - d[3]);
  for (var k = 0u; k < 4u; k++) {
    let row = inputRow(rows[k]);
    for (var j = 0u; j < 4u; j++) { v[tileIndex(k * 4u + j, c, t)] = row[j]; }
  }
}

@compute @workgroup_size(WG)
fn outputTiles(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  let o = i / p.tiles;
  let t = i % p.tiles;
  var q: array<vec4f, 4>;
  for (var k = 0u; k < 16u; k++) { q[k / 4u][k % 4u] = m[(k * p.channels + o) * p.tiles + t]; }
  // Aᵀ = [1 1 1 0; 0 1 −1 −1] down the columns, then along each row.
  let s0 = q[0] + q[1] + q[2];
  let s1 = q[1] - q[2] - q[3];
  let at = tileAt(t, o);
  let plane = at.x;
  let oh = at.y;
  let ow = at.z;
  let out = array<vec2f, 2>(vec2f(s0.x + s0.y + s0.z, s0.y - s0.z - s0.w), vec2f(s1.x + s1.y + s1.z, s1.y - s1.z - s1.w));
  for (var r = 0u; r < 2u; r++) {
    if (oh + r >= p.height) { break; }
    for (var s = 0u; s < 2u; s++) {
      if (ow + s < p.width) { y[plane + (oh + r) * p.width + ow + s] = out[r][s]; }
    }
  }
}

@compute @workgroup_size(WG)
fn gradTiles(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  let o = i / (p.splits * p.chunk);
  let t = i % (p.splits * p.chunk);
  var d: array<vec2f, 2>;
  if (t < p.tiles) {
    let at = tileAt(t, o);
    let plane = at.x;
    let oh = at.y;
    let ow = at.z;
    for (var r = 0u; r < 2u; r++) {
      if (oh + r >= p.height) { break; }
      for (var s = 0u; s < 2u; s++) {
        if (ow + s < p.width) { d[r][s] = x[plane + (oh + r) * p.width + ow + s]; }
      }
    }
  }
  // A = [1 0; 1 1; 1 −1; 0 −1] down the columns, then along each row.
  let rows = array<vec2f, 4>(d[0], d[0] + d[1], d[0] - d[1], -d[1]);
  for (var k = 0u; k < 4u; k++) {
    let row = vec4f(rows[k].x, rows[k].x + rows[k].y, rows[k].x - rows[k].y, -rows[k].y);
    for (var j = 0u; j < 4u; j++) { v[tileIndex(k * 4u + j, o, t)] = row[j]; }
  }
}

@compute @workgroup_size(WG)
fn filtersBack(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  var q: array<vec4f, 4>;
  for (var k = 0u; k < 16u; k++) {
    var total = 0.0;
    for (var s = 0u; s < p.splits; s++) { total += sums[(k * p.splits + s) * p.size + i]; }
    q[k / 4u][k % 4u] = total;
  }
  // Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1] down the columns, then along each row.
  let half = 0.5 * (q[1] + q[2]);
  let rows = array<vec4f, 3>(q[0] + half, 0.5 * (q[1] - q[2]), half + q[3]);
  for (var k = 0u; k < 3u; k++) {
    let r = rows[k];
    let h = 0.5 * (r.y + r.z);
    gw[i * 9u + k * 3u] = r.x + h;
    gw[i * 9u + k * 3u + 1u] = 0.5 * (r.y - r.z);
    gw[i * 9u + k * 3u + 2u] = h + r.w;
  }
}
