// Batch normalisation over NCHW: per-channel statistics (one workgroup per channel),
// the normalising map (which can end a residual block: + the shortcut, then ReLU or ReLU6),
// and its backward pass (a per-channel reduction, then a map). ACTIVATION_* are prepended.

struct BatchNormParams {
  batch: u32, channels: u32, spatial: u32, size: u32, momentum: f32, eps: f32, batchStats: u32,
  // the forward adds `residual`; the backward writes the shortcut's gradient
  addResidual: u32,
  // ACTIVATION_*: the forward ends in it, and the backward masks gy where it was flat
  activation: u32,
}


@group(0) @binding(0) var<uniform> p: BatchNormParams;

fn count() -> u32 { return p.batch * p.spatial; }

// Flat index of the e-th element of channel c.
fn channelElement(c: u32, e: u32) -> u32 {
  return ((e / p.spatial) * p.channels + c) * p.spatial + e % p.spatial;
}

fn channelOf(i: u32) -> u32 { return (i / p.spatial) % p.channels; }

@group(0) @binding(1) var<storage, read> statsX: array<f32>;
@group(0) @binding(2) var<storage, read_write> statsMean: array<f32>;
@group(0) @binding(3) var<storage, read_write> statsVariance: array<f32>;
@group(0) @binding(4) var<storage, read_write> runningMean: array<f32>;
@group(0) @binding(5) var<storage, read_write> runningVariance: array<f32>;

// Two passes over the channel (mean, then squared deviations) for an accurate variance.
@compute @workgroup_size(WG)
fn stats(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;
  var sum = 0.0;
  for (var e = lid; e < count(); e += WG) { sum += statsX[channelElement(c, e)]; }
  let mean = workgroupSum(sum, lid) / f32(count());
  var squares = 0.0;
  for (var e = lid; e < count(); e += WG) {
    let d = statsX[channelElement(c, e)] - mean;
    squares += d * d;
  }
  let variance = workgroupSum(squares, lid) / f32(count());
  if (lid == 0u) {
    statsMean[c] = mean;
    statsVariance[c] = variance;
    let unbiased = variance * f32(count()) / f32(max(count() - 1u, 1u));
    runningMean[c] = mix(runningMean[c], mean, p.momentum);
    runningVariance[c] = mix(runningVariance[c], unbiased, p.momentum);
  }
}

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> variance: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<f32>;
@group(0) @binding(5) var<storage, read> beta: array<f32>;
@group(0) @binding(6) var<storage, read> residual: array<f32>; // x again when there is none
@group(0) @binding(7) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  let c = channelOf(i);
  let scale = gamma[c] * inverseSqrt(variance[c] + p.eps);
  var v = (x[i] - mean[c]) * scale + beta[c];
  if (p.addResidual != 0u) { v += residual[i]; }
  // selects keep a NaN, as max and min would not on every adapter
  if (p.activation != ACTIVATION_NONE) { v = select(v, 0.0, v < 0.0); }
  if (p.activation == ACTIVATION_RELU6) { v = select(v, 6.0, v > 6.0); }
  y[i] = v;
}

@group(0) @binding(2) var<storage, read> gy: array<f32>;
@group(0) @binding(3) var<storage, read> output: array<f32>; // the forward's y, or x when it had no activation

// gy, zeroed where the forward's activation was flat (its output at or outside its range).
fn grad(i: u32) -> f32 {
  let value = output[i];
  if (p.activation != ACTIVATION_NONE && !(value > 0.0)) { return 0.0; }
  if (p.activation == ACTIVATION_RELU6 && !(value < 6.0)) { return 0.0; }
  return gy[i];
}

@group(0) @binding(4) var<storage, read> gradMean: array<f32>;
@group(0) @binding(5) var<storage, read> gradVariance: array<f32>;
@group(0) @binding(6) var<storage, read_write> gGammaOut: array<f32>;
@group(0) @binding(7) var<storage, read_write> gBetaOut: array<f32>;
// per channel, gx = γ·(a·g + b·x + c): [a, b, c] for each channel
@group(0) @binding(8) var<storage, read_write> coefficientsOut: array<f32>;

// gBeta = Σ g, gGamma = Σ g·x̂ per channel, and the coefficients of gx:
// with batch statistics gx = γ/σ · (g − mean(g) − x̂·mean(g·x̂)), otherwise γ/σ · g.
@compute @workgroup_size(WG)
fn backwardReduce(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;
  let m = gradMean[c];
  let invStd = inverseSqrt(gradVariance[c] + p.eps);
  var sumG = 0.0;
  var sumGXhat = 0.0;
  for (var e = lid; e < count(); e += WG) {
    let i = channelElement(c, e);
    let g = grad(i);
    sumG += g;
    sumGXhat += g * (x[i] - m) * invStd;
  }
  let totalG = workgroupSum(sumG, lid);
  let totalGXhat = workgroupSum(sumGXhat, lid);
  if (lid == 0u) {
    gBetaOut[c] = totalG;
    gGammaOut[c] = totalGXhat;
    let n = f32(count());
    let stats = f32(p.batchStats);
    let b = -stats * invStd * totalGXhat / n;
    coefficientsOut[3u * c] = invStd;
    coefficientsOut[3u * c + 1u] = b * invStd;
    coefficientsOut[3u * c + 2u] = -stats * invStd * totalG / n - b * invStd * m;
  }
}

@group(0) @binding(4) var<storage, read> backwardGamma: array<f32>;
@group(0) @binding(5) var<storage, read> coefficients: array<f32>;
@group(0) @binding(6) var<storage, read_write> gx: array<f32>;
@group(0) @binding(7) var<storage, read_write> gResidual: array<f32>; // a scratch float when there is no shortcut

@compute @workgroup_size(WG)
fn backwardInput(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatThread(wid, groups, lid);
  if (i >= p.size) { return; }
  let c = channelOf(i);
  let g = grad(i);
  gx[i] = backwardGamma[c] * (coefficients[3u * c] * g + coefficients[3u * c + 1u] * x[i] + coefficients[3u * c + 2u]);
  if (p.addResidual != 0u) { gResidual[i] = g; }
}
