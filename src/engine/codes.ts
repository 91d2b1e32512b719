// Integer codes shared by the host and the kernels (op codes, slot layouts): declared once
// here in TypeScript, written into the WGSL sources as `const` declarations
// (`wgslConstants`, prepended by the ops that dispatch them) and into the AssemblyScript
// module as generated constants (asm/generated.ts, by scripts/asm.mjs).

import type { Activation, BinaryOp, ReduceOp, UnaryOp } from './backend.js';

/** A named group of integer codes, e.g. the unary ops. */
type CodeGroup = Readonly<Record<string, number>>;
export type CodeGroups = Readonly<Record<string, CodeGroup>>;

export const UNARY_CODES: Record<Exclude<UnaryOp, 'cast'>, number> = {
  neg: 0,
  exp: 1,
  log: 2,
  sqrt: 3,
  rsqrt: 4,
  relu: 5,
  abs: 6,
  square: 7,
  pow: 8,
  addScalar: 9,
  mulScalar: 10,
};
export const BINARY_CODES: Record<BinaryOp, number> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  maximum: 4,
  minimum: 5,
  reluBackward: 6,
  greater: 7,
  equal: 8,
};
export const REDUCE_CODES: Record<ReduceOp, number> = { sum: 0, max: 1, argmax: 2 };
/** What batch norm's pass ends in: nothing, max(·, 0), or min(max(·, 0), 6). */
export const ACTIVATION_CODES: Record<Activation, number> = { none: 0, relu: 1, relu6: 2 };

/** The engine's codes, by the prefix their constants take (UNARY_ADD_SCALAR, …). */
export const ENGINE_CODES = {
  UNARY: UNARY_CODES,
  BINARY: BINARY_CODES,
  REDUCE: REDUCE_CODES,
  ACTIVATION: ACTIVATION_CODES,
} as const satisfies CodeGroups;

/** `addScalar` → `ADD_SCALAR`. */
function screaming(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Each code of each group as `PREFIX_NAME`, e.g. { UNARY: { addScalar: 9 } } → UNARY_ADD_SCALAR = 9. */
function constantsOf(groups: CodeGroups): [string, number][] {
  return Object.entries(groups).flatMap(([prefix, codes]) =>
    Object.entries(codes).map(([name, code]): [string, number] => [`${prefix}_${screaming(name)}`, code]),
  );
}

/** The codes as AssemblyScript constants. */
export function asmConstants(groups: CodeGroups): string {
  return constantsOf(groups)
    .map(([name, code]) => `export const ${name}: i32 = ${code};`)
    .join('\n');
}

/** The codes as WGSL constants, to prepend to a shader's source. */
export function wgslConstants(groups: CodeGroups): string {
  return `${constantsOf(groups)
    .map(([name, code]) => `const ${name}: u32 = ${code}u;`)
    .join('\n')}\n`;
}
