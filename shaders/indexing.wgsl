// Row indexing: gather rows by index (any 32-bit dtype, copied as bits) and the
// deterministic scatter-add that is its gradient.

struct IndexParams { rows: u32, cols: u32, tableRows: u32 }

@group(0) @binding(0) var<uniform> p: IndexParams;
@group(0) @binding(1) var<storage, read> table: array<u32>;
@group(0) @binding(2) var<storage, read> index: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;

// Out-of-range (or negative i32) indices read zeros.
@compute @workgroup_size(WG)
fn gather(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.rows * p.cols) { return; }
  let row = index[i / p.cols];
  out[i] = select(0u, table[row * p.cols + i % p.cols], row < p.tableRows);
}

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

// One thread per (source row, column). The first source row of each destination row adds
// all source rows aimed at it, in order: no atomics, the same sums every run.
@compute @workgroup_size(WG)
fn scatterAdd(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.rows * p.cols) { return; }
  let r = i / p.cols;
  let c = i % p.cols;
  let row = index[r];
  if (row >= p.tableRows) { return; }
  for (var earlier = 0u; earlier < r; earlier++) {
    if (index[earlier] == row) { return; }
  }
  var acc = 0.0;
  for (var s = r; s < p.rows; s++) {
    if (index[s] == row) { acc += src[s * p.cols + c]; }
  }
  dst[row * p.cols + c] += acc;
}
