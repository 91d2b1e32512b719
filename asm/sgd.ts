// The SGD step in place (the twin of shaders/sgd.wgsl): momentum, dampening, Nesterov and
// weight decay in one pass over parameter, gradient and velocity.
import { at } from './common';
import { SgdStepParams } from './generated';

export function sgdStep(s: SgdStepParams): void {
  const param = s.param, grad = s.grad, velocity = s.velocity, size = s.size;
  const lr = s.lr, momentum = s.momentum, dampening = s.dampening, weightDecay = s.weightDecay, nesterov = s.nesterov;
  const vLr = f32x4.splat(lr);
  const vMomentum = f32x4.splat(momentum);
  const vKeep = f32x4.splat(1 - dampening);
  const vDecay = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const p = v128.load(at(param, i));
    const d = f32x4.add(v128.load(at(grad, i)), f32x4.mul(vDecay, p));
    const v = f32x4.add(f32x4.mul(vMomentum, v128.load(at(velocity, i))), f32x4.mul(vKeep, d));
    v128.store(at(velocity, i), v);
    const step = nesterov ? f32x4.add(d, f32x4.mul(vMomentum, v)) : v;
    v128.store(at(param, i), f32x4.sub(p, f32x4.mul(vLr, step)));
  }
  for (; i < size; i++) {
    const p = load<f32>(at(param, i));
    const d = load<f32>(at(grad, i)) + weightDecay * p;
    const v = momentum * load<f32>(at(velocity, i)) + (1 - dampening) * d;
    store<f32>(at(velocity, i), v);
    store<f32>(at(param, i), p - lr * (nesterov ? d + momentum * v : v));
  }
}
