// Typed calls into the WebAssembly kernels: each exported kernel takes a pointer to a record
// of named fields, declared once in TypeScript (`asmCall`). scripts/asm.mjs generates from
// the declarations both the AssemblyScript classes the kernels read a record through
// (asm/generated.ts, `asmRecordClass`) and the host's writer of each record (committed
// beside the declarations as *.writers.ts, `hostWriters`: a field-by-field writer costs a few
// nanoseconds, a loop over the fields by name some 80 on every small kernel). A field can thus
// be neither swapped nor forgotten. Records are named like the kernel table's argument
// records, so a wrapper mostly hands those over as they are (see RecordValues).

import type { Storage } from '../../backend.js';

/**
 * How a field is stored: every kind takes one 32-bit word, f64 two (8-byte aligned). A 'ptr'
 * is an address, given as a number or as the tensor storage it points into; 'ptr?' is one
 * that may be absent (0).
 */
type FieldKind = 'ptr' | 'ptr?' | 'i32' | 'u32' | 'f32' | 'f64' | 'bool';
export type Fields = Record<string, FieldKind>;

type ValueOf<Kind extends FieldKind> = Kind extends 'bool' ? boolean : Kind extends 'ptr' | 'ptr?' ? Storage | number : number;
type OptionalNames<F extends Fields> = { [Name in keyof F]: F[Name] extends 'ptr?' ? Name : never }[keyof F];
/**
 * The values the host gives a record of `F`. The kernel wrappers mostly hand over the kernel
 * table's argument record itself, named alike: copying it into a fresh object (a spread) on
 * every call would cost more than the smaller kernels.
 */
export type RecordValues<F extends Fields> = { [Name in Exclude<keyof F, OptionalNames<F>>]: ValueOf<F[Name]> } & {
  [Name in OptionalNames<F>]?: ValueOf<F[Name]>;
};

/** A pointer field's address: a number as it is, a storage's address, 0 for none. */
export function pointerOf(value: RecordInput[string]): number {
  return typeof value === 'number' ? value : value === undefined ? 0 : (value as unknown as { address: number }).address;
}

/** What a writer reads: the record's values by field name. */
export type RecordInput = { readonly [name: string]: number | boolean | Storage | undefined };
/** Writes a record at byte address `at` (8-byte aligned). */
export type RecordWriter = (views: RecordViews, at: number, values: RecordInput) => void;
/** Generated writers by kernel name, each with the signature (`signatureOf`) it was generated for. */
export type RecordWriters = Readonly<Record<string, readonly [signature: string, write: RecordWriter]>>;

/** An exported kernel of the module and the record it takes. */
export interface AsmCall<F extends Fields> {
  readonly name: string;
  /** Its index in order of declaration, for the runtimes' tables of exports. */
  readonly id: number;
  readonly fields: F;
  /** The fields' names, kinds and byte offsets, in order (flat arrays: the writer runs on every call). */
  readonly names: readonly string[];
  readonly kinds: readonly FieldKind[];
  readonly offsets: readonly number[];
  readonly bytes: number;
  /** Whether the export takes (part, parts) after the record, to run on every thread. */
  readonly parallel: boolean;
  /** The generated writer (`useWriters`), or writeRecord's loop where there is none. */
  write: RecordWriter;
}

/** The host writes every record in one area of linear memory of this size (src/engine/backends/wasm/context.ts). */
const MAX_RECORD_BYTES = 1024;
let declaredCalls = 0;

/** Declares export `name` taking a record of `fields` (in this order in memory). */
export function asmCall<F extends Fields>(name: string, fields: F, options: { parallel?: boolean } = {}): AsmCall<F> {
  const names = Object.keys(fields),
    kinds = Object.values(fields),
    offsets: number[] = [];
  let offset = 0;
  for (const kind of kinds) {
    if (kind === 'f64') offset = Math.ceil(offset / 8) * 8;
    offsets.push(offset);
    offset += kind === 'f64' ? 8 : 4;
  }
  if (offset > MAX_RECORD_BYTES) throw new Error(`${name}: a record of ${offset} bytes is over ${MAX_RECORD_BYTES}`);
  const call: AsmCall<F> = {
    name,
    id: declaredCalls++,
    fields,
    names,
    kinds,
    offsets,
    bytes: Math.ceil(offset / 8) * 8,
    parallel: options.parallel ?? false,
    write: (views, at, values) => writeRecord(views, at, call, values),
  };
  return call;
}

/** The fields in order with their kinds: what a generated writer must have been generated for. */
export function signatureOf(call: AsmCall<Fields>): string {
  return call.names.map((name, i) => `${name}:${call.kinds[i]}`).join(' ');
}

/** Gives each call its generated writer, unless that is stale (then the loop stays: slower, still right). */
export function useWriters(calls: Readonly<Record<string, AsmCall<Fields>>>, writers: RecordWriters): void {
  for (const call of Object.values(calls)) {
    const generated = writers[call.name];
    if (generated && generated[0] === signatureOf(call)) call.write = generated[1];
  }
}

/** Views of linear memory by element kind, rebuilt when the memory grows. */
export interface RecordViews {
  i32: Int32Array;
  u32: Uint32Array;
  f32: Float32Array;
  f64: Float64Array;
}

export function recordViews(buffer: ArrayBufferLike): RecordViews {
  return { i32: new Int32Array(buffer), u32: new Uint32Array(buffer), f32: new Float32Array(buffer), f64: new Float64Array(buffer) };
}

/**
 * Writes the record at byte address `at` (8-byte aligned), field by field in a loop; with
 * `only`, just the fields it has. Typed-array stores convert as a call argument would
 * (ToInt32, ToUint32, round to nearest f32), so the kernels see the same bits as they did
 * through positional arguments.
 */
export function writeRecord(views: RecordViews, at: number, call: AsmCall<Fields>, values: RecordInput, only = false): void {
  const { names, kinds, offsets } = call;
  for (let i = 0; i < names.length; i++) {
    if (only && !(names[i]! in values)) continue;
    const value = values[names[i]!],
      address = at + offsets[i]!;
    switch (kinds[i]!) {
      case 'ptr':
      case 'ptr?':
        views.u32[address >> 2] = pointerOf(value);
        break;
      case 'u32':
        views.u32[address >> 2] = value as number;
        break;
      case 'i32':
        views.i32[address >> 2] = value as number;
        break;
      case 'bool':
        views.i32[address >> 2] = value ? 1 : 0;
        break;
      case 'f32':
        views.f32[address >> 2] = value as number;
        break;
      case 'f64':
        views.f64[address >> 3] = value as number;
        break;
    }
  }
}

const AS_TYPES: Record<FieldKind, string> = { ptr: 'usize', 'ptr?': 'usize', i32: 'i32', u32: 'u32', f32: 'f32', f64: 'f64', bool: 'bool' };

/** The record's class name on the AssemblyScript side: `conv2d` → `Conv2dParams`. */
function recordClassName(call: AsmCall<Fields>): string {
  return `${call.name[0]!.toUpperCase()}${call.name.slice(1)}Params`;
}

/** An @unmanaged class of inlined getters at the record's offsets: reading a field is one load. */
export function asmRecordClass(call: AsmCall<Fields>): string {
  const getters = call.names.map((name, i) => {
    const kind = call.kinds[i]!,
      offset = call.offsets[i]!;
    const word = `load<${kind === 'bool' ? 'i32' : AS_TYPES[kind]}>(changetype<usize>(this), ${offset})`;
    const load = kind === 'bool' ? `${word} != 0` : word;
    return `  @inline get ${name}(): ${AS_TYPES[kind]} { return ${load}; }`;
  });
  const header = `/** The record of ${call.name}${call.parallel ? ' (then part, parts)' : ''}. */`;
  return [header, `@unmanaged export class ${recordClassName(call)} {`, ...getters, '}'].join('\n');
}

const VIEW_OF: Record<FieldKind, keyof RecordViews> = {
  ptr: 'u32',
  'ptr?': 'u32',
  u32: 'u32',
  i32: 'i32',
  bool: 'i32',
  f32: 'f32',
  f64: 'f64',
};

/** The TypeScript module of the calls' writers, one straight-line function per call (see RecordWriters). */
export function hostWriters(calls: readonly AsmCall<Fields>[], generatedFrom: string, recordsModule: string): string {
  // one writer per distinct record: calls with the same fields share it
  const writerOf = new Map<string, string>();
  const writers: string[] = [];
  for (const call of calls) {
    const signature = signatureOf(call);
    if (writerOf.has(signature)) continue;
    writerOf.set(signature, `${call.name}Writer`);
    const stores = call.names.map((name, i) => {
      const kind = call.kinds[i]!,
        offset = call.offsets[i]!;
      const index = kind === 'f64' ? `(at >> 3) + ${offset >> 3}` : `w + ${offset >> 2}`;
      const value =
        kind === 'bool'
          ? `values.${name} ? 1 : 0`
          : kind === 'ptr' || kind === 'ptr?'
            ? `pointerOf(values.${name})`
            : `values.${name} as number`;
      return `views.${VIEW_OF[kind]}[${index}] = ${value};`;
    });
    // several stores a line: shorter, and no run of lines alike from one writer to the next
    const lines = ['const w = at >> 2;'];
    for (const store of stores) {
      if (lines.at(-1)!.length + 1 + store.length <= 128) lines[lines.length - 1] += ` ${store}`;
      else lines.push(store);
    }
    writers.push(`const ${call.name}Writer: RecordWriter = (views, at, values) => {`, ...lines.map((line) => `  ${line}`), '};');
  }
  const entries = calls.map((call) => {
    const signature = `'${signatureOf(call)}'`.replace(/(.{80,}? )/g, "$1' +\n    '");
    return `  ${call.name}: [${signature}, ${writerOf.get(signatureOf(call))}],`;
  });
  return [
    `// Generated by scripts/asm.mjs (scripts/asm-bindings.ts) from ${generatedFrom}: do not edit.`,
    '// test/asm-bindings.test.ts fails when it is stale; building (npm test, scripts/build.mjs) rewrites it.',
    `import { pointerOf, type RecordWriter, type RecordWriters } from '${recordsModule}';`,
    '',
    ...writers,
    '',
    'export const WRITERS: RecordWriters = {',
    ...entries,
    '};',
    '',
  ].join('\n');
}
