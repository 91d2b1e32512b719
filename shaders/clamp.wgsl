// Clamping to [low, high] and its gradient, which passes where low < x < high. A thread per element.

struct ClampParams { size: u32, low: f32, high: f32 }

@group(0) @binding(0) var<uniform> p: ClampParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;

@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i < p.size) { out[i] = min(max(x[i], p.low), p.high); }
}

@group(0) @binding(2) var<storage, read> gy: array<f32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;

@compute @workgroup_size(WG)
fn backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i < p.size) { gx[i] = select(0.0, gy[i], x[i] > p.low && x[i] < p.high); }
}
