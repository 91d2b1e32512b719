// Random numbers from common.wgsl's Philox4x32-10, bit-identical to src/engine/random.ts for
// uniforms (normals differ only by the GPU's log/sqrt rounding). One thread makes one
// block of four values.

struct RandomParams { size: u32, normal: u32, key: vec2u, counter: vec2u, a: f32, b: f32 }

@group(0) @binding(0) var<uniform> p: RandomParams;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn random(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let block = flatThread(wid, groups, lid);
  let first = block * 4u;
  if (first >= p.size) { return; }
  // 64-bit block counter: low word with carry into the high word.
  let low = p.counter.x + block;
  let high = p.counter.y + select(0u, 1u, low < block);
  let words = philox(vec4u(low, high, 0u, 0u), p.key);
  var values: vec4f;
  if (p.normal == 1u) {
    let r01 = sqrt(-2.0 * log(f32((words.x >> 8u) + 1u) * 5.9604644775390625e-8));
    let r23 = sqrt(-2.0 * log(f32((words.z >> 8u) + 1u) * 5.9604644775390625e-8));
    values = vec4f(r01 * turn(toUniform(words.y)), r23 * turn(toUniform(words.w))) * p.b + p.a;
  } else {
    values = vec4f(toUniform(words.x), toUniform(words.y), toUniform(words.z), toUniform(words.w)) * (p.b - p.a) + p.a;
  }
  for (var j = 0u; j < 4u && first + j < p.size; j++) { out[first + j] = values[j]; }
}
