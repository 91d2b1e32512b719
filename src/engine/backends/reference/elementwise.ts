// Fill, the elementwise unary and binary kernels, and strided copy.

import type { BinaryOp, UnaryOp } from '../../backend.js';
import type { EngineArgs } from '../../kernels.js';
import type { ReferenceContext } from './context.js';
import { forEachOffset } from './strided.js';

export function fill({ data }: ReferenceContext, { out, value }: EngineArgs<'fill'>): void {
  data(out).fill(value);
}

export function unary({ data }: ReferenceContext, { op, x, out, alpha }: EngineArgs<'unary'>): void {
  const a = data(x),
    o = data(out);
  const f = unaryFunction(op, alpha);
  for (let i = 0; i < o.length; i++) o[i] = f(a[i]!);
}

export function binary({ data }: ReferenceContext, { op, a, b, out, shape, aStrides, bStrides }: EngineArgs<'binary'>): void {
  const av = data(a),
    bv = data(b),
    o = data(out);
  const f = binaryFunction(op);
  let i = 0;
  forEachOffset(shape, [aStrides, bStrides], [0, 0], ([ia, ib]) => {
    o[i++] = f(av[ia!]!, bv[ib!]!);
  });
}

export function copy({ data }: ReferenceContext, { src, dst, ...l }: EngineArgs<'copy'>): void {
  const s = data(src),
    d = data(dst);
  forEachOffset(l.shape, [l.srcStrides, l.dstStrides], [l.srcOffset, l.dstOffset], ([is, id]) => {
    d[id!] = s[is!]!;
  });
}

function unaryFunction(op: UnaryOp, alpha: number): (x: number) => number {
  switch (op) {
    case 'neg':
      return (x) => -x;
    case 'exp':
      return Math.exp;
    case 'log':
      return Math.log;
    case 'sqrt':
      return Math.sqrt;
    case 'rsqrt':
      return (x) => 1 / Math.sqrt(x);
    case 'relu':
      return (x) => Math.max(x, 0);
    case 'abs':
      return Math.abs;
    case 'square':
      return (x) => x * x;
    case 'pow':
      return (x) => x ** alpha;
    case 'addScalar':
      return (x) => x + alpha;
    case 'mulScalar':
      return (x) => x * alpha;
    case 'cast':
      return Math.trunc;
    default:
      return op satisfies never;
  }
}

function binaryFunction(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add':
      return (a, b) => a + b;
    case 'sub':
      return (a, b) => a - b;
    case 'mul':
      return (a, b) => a * b;
    case 'div':
      return (a, b) => a / b;
    case 'maximum':
      return Math.max;
    case 'minimum':
      return Math.min;
    case 'reluBackward':
      return (g, x) => (x > 0 ? g : 0);
    case 'greater':
      return (a, b) => (a > b ? 1 : 0);
    case 'equal':
      return (a, b) => (a === b ? 1 : 0);
    default:
      return op satisfies never;
  }
}
