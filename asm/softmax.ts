// Softmax and log-softmax along an axis viewed as [outer, length, inner], and cross-entropy
// with integer targets (the twin of shaders/softmax.wgsl). Parallel by line.
import { at, shareStart } from './common';
import { CrossEntropyBackwardParams, CrossEntropyParams, SoftmaxBackwardParams, SoftmaxParams } from './generated';

@inline function lineAt(length: i32, inner: i32, line: i32, j: i32): i32 {
  return ((line / inner) * length + j) * inner + line % inner;
}

export function softmax(p: SoftmaxParams, part: i32, parts: i32): void {
  const x = p.x, out = p.out, outer = p.outer, length = p.length, inner = p.inner, log = p.log;
  const lines = outer * inner;
  for (let line = shareStart(lines, part, parts); line < shareStart(lines, part + 1, parts); line++) {
    let max: f32 = -Infinity;
    for (let j = 0; j < length; j++) max = Mathf.max(max, load<f32>(at(x, lineAt(length, inner, line, j))));
    let sum: f64 = 0;
    for (let j = 0; j < length; j++) sum += <f64>Mathf.exp(load<f32>(at(x, lineAt(length, inner, line, j))) - max);
    const logSum = <f32>Math.log(sum);
    for (let j = 0; j < length; j++) {
      const i = lineAt(length, inner, line, j);
      const shifted = load<f32>(at(x, i)) - max;
      store<f32>(at(out, i), log ? shifted - logSum : Mathf.exp(shifted - logSum));
    }
  }
}

export function softmaxBackward(p: SoftmaxBackwardParams, part: i32, parts: i32): void {
  const y = p.y, gy = p.gy, gx = p.gx, outer = p.outer, length = p.length, inner = p.inner, log = p.log;
  const lines = outer * inner;
  for (let line = shareStart(lines, part, parts); line < shareStart(lines, part + 1, parts); line++) {
    let dot: f64 = 0;
    for (let j = 0; j < length; j++) {
      const i = lineAt(length, inner, line, j);
      const g = load<f32>(at(gy, i));
      dot += <f64>(log ? g : g * load<f32>(at(y, i)));
    }
    const d = <f32>dot;
    for (let j = 0; j < length; j++) {
      const i = lineAt(length, inner, line, j);
      const g = load<f32>(at(gy, i));
      const v = load<f32>(at(y, i));
      store<f32>(at(gx, i), log ? g - Mathf.exp(v) * d : v * (g - d));
    }
  }
}

/** max and log Σ exp(x - max) of one row. */
@inline function rowLogSumExp(row: usize, classes: i32): f32 {
  let max: f32 = -Infinity;
  for (let c = 0; c < classes; c++) max = Mathf.max(max, load<f32>(at(row, c)));
  let sum: f64 = 0;
  for (let c = 0; c < classes; c++) sum += <f64>Mathf.exp(load<f32>(at(row, c)) - max);
  return max + <f32>Math.log(sum);
}

export function crossEntropy(p: CrossEntropyParams, part: i32, parts: i32): void {
  const logits = p.logits, target = p.target, losses = p.losses, rows = p.rows, classes = p.classes;
  for (let r = shareStart(rows, part, parts); r < shareStart(rows, part + 1, parts); r++) {
    const row = at(logits, r * classes);
    store<f32>(at(losses, r), rowLogSumExp(row, classes) - load<f32>(at(row, load<i32>(at(target, r)))));
  }
}

export function crossEntropyBackward(params: CrossEntropyBackwardParams, part: i32, parts: i32): void {
  const logits = params.logits, target = params.target, gLoss = params.gLoss, gLogits = params.gLogits;
  const rows = params.rows, classes = params.classes;
  for (let r = shareStart(rows, part, parts); r < shareStart(rows, part + 1, parts); r++) {
    const row = at(logits, r * classes);
    const lse = rowLogSumExp(row, classes);
    const g = load<f32>(at(gLoss, r));
    const label = load<i32>(at(target, r));
    for (let c = 0; c < classes; c++) {
      const p = Mathf.exp(load<f32>(at(row, c)) - lse);
      store<f32>(at(gLogits, r * classes + c), g * (p - (c == label ? 1 : 0)));
    }
  }
}
