// SGD with momentum, dampening, weight decay and optional Nesterov, in place (PyTorch's rule).

struct SgdParams { size: u32, nesterov: u32, lr: f32, momentum: f32, dampening: f32, weightDecay: f32 }

@group(0) @binding(0) var<uniform> p: SgdParams;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>;

@compute @workgroup_size(WG)
fn sgdStep(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  let d = grad[i] + p.weightDecay * param[i];
  let v = p.momentum * velocity[i] + (1.0 - p.dampening) * d;
  velocity[i] = v;
  param[i] -= p.lr * select(v, d + p.momentum * v, p.nesterov == 1u);
}
