// Random numbers from common.wgsl's Philox4x32-10, bit-identical to src/random.ts for
// uniforms (normals differ only by the GPU's log/sqrt rounding). One thread makes one
// block of four values.

struct RandomParams { size: u32, normal: u32, key: vec2u, counter: vec2u, a: f32, b: f32 }

@group(0) @binding(0) var<uniform> p: RandomParams;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

// (cos 2πu, sin 2πu) to about 1e-7. The built-in cos and sin may be far coarser (Vulkan
// allows an absolute error of 2^-11, and SwiftShader uses it), which made weights
// initialised on one adapter differ from every other backend's by 1e-3.
fn turn(u: f32) -> vec2f {
  let quadrant = round(4.0 * u);
  let x = 6.283185307179586 * (u - 0.25 * quadrant); // exact reduction, |x| <= π/4
  let x2 = x * x;
  let c = 1.0 + x2 * (-0.5 + x2 * (4.1666666666666664e-2 + x2 * (-1.3888888888888889e-3 + x2 * (2.48015873015873e-5 + x2 * -2.7557319223985893e-7))));
  let s = x * (1.0 + x2 * (-0.16666666666666666 + x2 * (8.333333333333333e-3 + x2 * (-1.984126984126984e-4 + x2 * 2.7557319223985893e-6))));
  switch (u32(quadrant) & 3u) {
    case 1u: { return vec2f(-s, c); }
    case 2u: { return vec2f(-c, -s); }
    case 3u: { return vec2f(s, -c); }
    default: { return vec2f(c, s); }
  }
}

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
