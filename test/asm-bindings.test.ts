// The host's record writers are generated from the same declarations as the AssemblyScript
// records (scripts/asm-bindings.ts) and committed: this fails when they are stale, or when
// a call would fall back to the slow loop of writeRecord.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { asmBindings } from '../scripts/asm-bindings.js';
import { ASM_CALLS } from '../src/engine/backends/wasm/calls.js';
import { WRITERS } from '../src/engine/backends/wasm/calls.writers.js';
import { WasmStorage } from '../src/engine/backends/wasm/context.js';
import { recordViews, signatureOf, writeRecord } from '../src/engine/backends/wasm/records.js';
import { METHOD_ASM_CALLS } from '../src/method/backends/wasm.js';
import { WRITERS as METHOD_WRITERS } from '../src/method/backends/wasm.writers.js';

it('the committed record writers match their declarations', () => {
  for (const [path, text] of Object.entries(asmBindings())) {
    if (path.startsWith('asm/')) continue; // not committed: every kernel build writes it
    expect(readFileSync(path, 'utf8'), `${path} is stale: run node scripts/asm.mjs`).toBe(text);
  }
});

it('every call writes its record with its generated writer', () => {
  for (const [calls, writers] of [
    [ASM_CALLS, WRITERS],
    [METHOD_ASM_CALLS, METHOD_WRITERS],
  ] as const) {
    for (const call of Object.values(calls)) {
      expect(writers[call.name]?.[0], call.name).toBe(signatureOf(call));
      expect(call.write, call.name).toBe(writers[call.name]![1]);
    }
  }
});

it('a generated writer and the field loop write the same bytes, converting as call arguments do', () => {
  const call = METHOD_ASM_CALLS.augment;
  const values = {
    pixels: new WasmStorage('u32', 4, 4096),
    index: 8192,
    out: new WasmStorage('f32', 4, 12288),
    batch: -3,
    height: 2 ** 32 + 5,
    width: 7,
    crop: true,
    key0: 2 ** 32 - 1,
    key1: -1,
    counterLow: 1.5,
    counterHigh: 0,
    scaleMin: 0.1,
    scaleMax: 1 / 3,
    logRatioMin: Math.log(0.75),
    logRatioMax: Math.log(4 / 3),
    flip: false,
    mean: 0.5,
    std: 0.25,
    blocks: 3,
    rotateTurns: 0.05,
    translate: 0.1,
    erase: 0.5,
    eraseScaleMin: 0.02,
    eraseScaleMax: 0.33,
    eraseLogRatioMin: -1.2,
    eraseLogRatioMax: 1.2,
  };
  const generated = recordViews(new ArrayBuffer(call.bytes)),
    loop = recordViews(new ArrayBuffer(call.bytes));
  call.write(generated, 0, values);
  writeRecord(loop, 0, call, values);
  expect([...generated.u32]).toEqual([...loop.u32]);
  const word = (name: string) => call.offsets[call.names.indexOf(name)]! >> 2;
  expect([generated.u32[word('pixels')], generated.i32[word('batch')], generated.i32[word('height')], generated.u32[word('key1')]]).toEqual(
    [4096, -3, 5, 2 ** 32 - 1],
  );
  expect([generated.i32[word('crop')], generated.f32[word('scaleMax')]]).toEqual([1, Math.fround(1 / 3)]);
});
