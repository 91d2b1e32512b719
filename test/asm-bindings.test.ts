// The host's record writers are generated from the same declarations as the AssemblyScript
// records (scripts/asm-bindings.ts) and committed: this fails when they are stale, or when
// a call would fall back to the slow loop of writeRecord.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { asmBindings } from '../scripts/asm-bindings.js';
import { ASM_CALLS } from '../src/backends/wasm/calls.js';
import { WRITERS } from '../src/backends/wasm/calls.writers.js';
import { signatureOf } from '../src/backends/wasm/records.js';
import { METHOD_ASM_CALLS } from '../src/method/backends/wasm.js';
import { WRITERS as METHOD_WRITERS } from '../src/method/backends/wasm.writers.js';

it('the committed record writers match their declarations', () => {
  for (const [path, text] of Object.entries(asmBindings())) {
    if (path.startsWith('asm/')) continue; // not committed: every kernel build writes it
    expect(readFileSync(path, 'utf8'), `${path} is stale: run node scripts/asm.mjs`).toBe(text);
  }
});

it('every call writes its record with its generated writer', () => {
  for (const [calls, writers] of [[ASM_CALLS, WRITERS], [METHOD_ASM_CALLS, METHOD_WRITERS]] as const) {
    for (const call of Object.values(calls)) {
      expect(writers[call.name]?.[0], call.name).toBe(signatureOf(call));
      expect(call.write, call.name).toBe(writers[call.name]![1]);
    }
  }
});
