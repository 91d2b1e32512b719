// Property-based fuzz targets for everything that reads outside input: IDX files, tensor files
// (checkpoints, and a run's metadata in them) and the training flags. Every case must end in a clean refusal (an error of
// the reader's own kind whose message names the input, on one line) or in a result that checks
// out; anything else (another exception, a message without the name, an inconsistent result)
// breaks the property. test/fuzz.test.ts runs a few hundred cases of each under `npm test`,
// scripts/fuzz.ts tens of thousands under `npm run fuzz`.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { readRunCheckpoint } from '../../src/checkpoint.js';
import { decodeIdx } from '../../src/data/fashion-mnist.js';
import { DataFileError, pairImages } from '../../src/data/idx.js';
import { crc32, decodeTensorFile, encodeTensorFile, type NamedArray, TensorFileError } from '../../src/engine/io/tensor-file.js';
import { parseAssignments, parseFlag, RECIPES, type Recipe, resolveSetting, TRAIN_FLAGS, type TrainFlag } from '../../src/settings.js';
import { idx } from '../helpers/idx.js';
import { forge, resign } from '../helpers/tensor-file.js';

export type Outcome = 'refused' | 'accepted';

export interface FuzzTarget<T> {
  name: string;
  cases: fc.Arbitrary<T>;
  /** One case: its outcome, or a PropertyViolation (or any other exception) where the property breaks. */
  run(input: T): Outcome;
}

type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

/** A case that breaks its target's property. */
class PropertyViolation extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PropertyViolation';
  }
}

/** 'refused' where `error` is a clean refusal: of `kind`, one line, naming `name`; otherwise the error breaks the property. */
function refused(error: unknown, kind: abstract new (...args: never[]) => Error, name: string): Outcome {
  if (!(error instanceof kind))
    throw new PropertyViolation(`threw ${(error as Error)?.name ?? typeof error}, not ${kind.name}`, { cause: error });
  if (!error.message.includes(name)) throw new PropertyViolation(`the message does not name ${name}: ${error.message}`, { cause: error });
  if (error.message.includes('\n')) throw new PropertyViolation(`the message is not one line: ${error.message}`, { cause: error });
  return 'refused';
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new PropertyViolation(what);
}

const product = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);

// ---------------------------------------------------------------- IDX files

const IDX_NAME = 'fuzz-images-idx3-ubyte';

/** Random bytes read as an IDX file of a random rank: many start as an IDX or a gzip file would. */
const idxBytes = fc.record({
  rank: fc.integer({ min: 1, max: 3 }),
  start: fc.constantFrom([], [0, 0, 8], [0, 0, 8, 3], [0, 0, 8, 1, 0, 0, 0], [0x1f, 0x8b], [0x1f, 0x8b, 8, 0]),
  rest: fc.uint8Array({ maxLength: 80 }),
});

const idxRandom: FuzzTarget<ValueOf<typeof idxBytes>> = {
  name: 'IDX reader, random bytes',
  cases: idxBytes,
  run({ rank, start, rest }) {
    const bytes = Uint8Array.from([...start, ...rest]);
    let array: ReturnType<typeof decodeIdx>;
    try {
      array = decodeIdx(bytes, IDX_NAME, rank);
    } catch (error) {
      return refused(error, DataFileError, IDX_NAME);
    }
    check(
      array.dims.length === rank && array.data.length === product(array.dims),
      `accepted dims ${array.dims} with ${array.data.length} bytes`,
    );
    return 'accepted';
  },
};

/** One change to a file's bytes; positions are taken modulo the file's length. */
type Edit =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'dimension'; index: number; value: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({
    kind: fc.constant('dimension' as const),
    index: fc.integer({ min: 0, max: 2 }),
    value: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constantFrom(60000, 2 ** 16, 2 ** 31, 2 ** 32 - 1), fc.nat({ max: 2 ** 32 - 1 })),
  }),
);

function applyEdit(bytes: Uint8Array, change: Edit): Uint8Array {
  const out = bytes.slice();
  const at = (n: number) => n % Math.max(out.length, 1);
  switch (change.kind) {
    case 'flip':
      if (out.length > 0) out[at(change.at)]! ^= 1 << change.bit;
      return out;
    case 'set':
      if (out.length > 0) out[at(change.at)] = change.value;
      return out;
    case 'truncate':
      return out.subarray(0, at(change.at));
    case 'append':
      return Uint8Array.from([...out, ...change.bytes]);
    case 'dimension': {
      const offset = 4 + 4 * change.index; // an IDX header's dimensions, big-endian
      if (offset + 4 <= out.length) new DataView(out.buffer).setUint32(offset, change.value);
      return out;
    }
  }
}

/** A valid images/labels pair (gzip or raw), then edits to one of the two files, before or after compression. */
const idxPair = fc.record({
  count: fc.integer({ min: 0, max: 4 }),
  height: fc.integer({ min: 0, max: 5 }),
  width: fc.integer({ min: 0, max: 5 }),
  seed: fc.nat(),
  gzip: fc.boolean(),
  target: fc.constantFrom('images' as const, 'labels' as const),
  afterCompression: fc.boolean(),
  edits: fc.array(edit, { maxLength: 4 }),
});

const idxMutations: FuzzTarget<ValueOf<typeof idxPair>> = {
  name: 'IDX reader, mutated files',
  cases: idxPair,
  run({ count, height, width, seed, gzip, target, afterCompression, edits }) {
    const files = {
      images: idx(
        3,
        [count, height, width],
        Uint8Array.from({ length: count * height * width }, (_, i) => (seed + 31 * i) & 0xff),
      ),
      labels: idx(
        1,
        [count],
        Uint8Array.from({ length: count }, (_, i) => (seed + i) % 10),
      ),
    };
    const mutate = (bytes: Uint8Array) => edits.reduce(applyEdit, bytes);
    const stored = (name: keyof typeof files) => {
      const mine = name === target;
      const raw = mine && !afterCompression ? mutate(files[name]) : files[name];
      const bytes = gzip ? gzipSync(raw) : raw;
      return mine && afterCompression ? mutate(bytes) : bytes;
    };
    const [imagesFile, labelsFile] = [`${IDX_NAME}${gzip ? '.gz' : ''}`, `fuzz-labels-idx1-ubyte${gzip ? '.gz' : ''}`];
    let split: ReturnType<typeof pairImages>;
    try {
      split = pairImages(decodeIdx(stored('images'), imagesFile, 3), imagesFile, decodeIdx(stored('labels'), labelsFile, 1), labelsFile);
    } catch (error) {
      return refused(error, DataFileError, 'fuzz-');
    }
    const pixels = split.count * split.height * split.width;
    check(
      split.count > 0 && split.pixels.length === pixels && split.labels.length === split.count,
      `accepted ${split.count} images of ${split.height}×${split.width}` +
        ` with ${split.pixels.length} pixels and ${split.labels.length} labels`,
    );
    check(
      split.labels.every((label) => label < 10),
      'accepted a label outside the classes',
    );
    return 'accepted';
  },
};

// ---------------------------------------------------------------- tensor files (checkpoints)

const CHECKPOINT_NAME = 'fuzz.sslgpu';

const namedArray: fc.Arbitrary<NamedArray> = fc
  .record({
    name: fc.string({ minLength: 1, maxLength: 12 }),
    dtype: fc.constantFrom('f32' as const, 'i32' as const, 'u32' as const),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    seed: fc.integer(),
  })
  .map(({ name, dtype, shape, seed }) => {
    const size = product(shape);
    const words = Uint32Array.from({ length: size }, (_, i) => Math.imul(seed ^ i, 0x9e3779b1) >>> 0); // any bits: NaNs too
    const data = dtype === 'f32' ? new Float32Array(words.buffer) : dtype === 'i32' ? new Int32Array(words.buffer) : words;
    return { name, dtype, shape, data };
  });

/** A valid tensor file's contents: distinct names, any JSON metadata. */
const tensorFile = fc.record({
  meta: fc.jsonValue({ maxDepth: 3 }),
  tensors: fc.uniqueArray(namedArray, { selector: (t) => t.name, maxLength: 4 }),
});

/** What may happen to a checkpoint: nothing; damage the checksum catches; or a changed header or data with the checksum written anew. */
type Mutation =
  | { kind: 'none' }
  | { kind: 'bytes'; edits: Edit[]; resign: boolean }
  | { kind: 'field'; tensor: number; field: string; value: unknown }
  | { kind: 'text'; at: number; length: number; text: string };

const headerValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.integer(),
  fc.constantFrom(-4, 0.5, 2 ** 53, 1e300, 'f64', '', [], [-1], [2 ** 31, 2 ** 31, 2 ** 31], [1.5], ['2']),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('bytes' as const), edits: fc.array(edit, { minLength: 1, maxLength: 3 }), resign: fc.boolean() }),
  fc.record({
    kind: fc.constant('field' as const),
    tensor: fc.integer({ min: -1, max: 4 }), // -1: the header itself
    field: fc.constantFrom('name', 'dtype', 'shape', 'offset', 'meta', 'tensors', 'extra'),
    value: headerValue,
  }),
  fc.record({ kind: fc.constant('text' as const), at: fc.nat(), length: fc.nat({ max: 8 }), text: fc.string({ maxLength: 8 }) }),
);

/** The header text and data region of an encoded file. */
function parts(bytes: Uint8Array): { header: string; data: Uint8Array } {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const dataStart = 12 + Math.ceil(length / 4) * 4;
  return { header: new TextDecoder().decode(bytes.subarray(12, 12 + length)), data: bytes.subarray(dataStart, bytes.length - 4) };
}

function mutate(bytes: Uint8Array, change: Mutation): Uint8Array {
  switch (change.kind) {
    case 'none':
      return bytes;
    case 'bytes': {
      const edited = change.edits.reduce(applyEdit, bytes);
      return change.resign && edited.length >= 4 ? resign(edited) : edited;
    }
    case 'field': {
      const { header, data } = parts(bytes);
      const json = JSON.parse(header) as { tensors: Record<string, unknown>[] } & Record<string, unknown>;
      const owner = change.tensor < 0 ? json : json.tensors[change.tensor % Math.max(json.tensors.length, 1)];
      if (owner) owner[change.field] = change.value;
      return forge(new TextEncoder().encode(JSON.stringify(json)), data);
    }
    case 'text': {
      const { header, data } = parts(bytes);
      const at = change.at % (header.length + 1);
      return forge(new TextEncoder().encode(header.slice(0, at) + change.text + header.slice(at + change.length)), data);
    }
  }
}

const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) =>
  a.byteLength === b.byteLength &&
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength).every((x, i) => x === new Uint8Array(b.buffer, b.byteOffset, b.byteLength)[i]);

const ARRAY_OF = { f32: Float32Array, i32: Int32Array, u32: Uint32Array } as const;

const checkpoint: FuzzTarget<{ file: ValueOf<typeof tensorFile>; change: Mutation }> = {
  name: 'checkpoint decoder, mutated files',
  cases: fc.record({ file: tensorFile, change: mutation }),
  run({ file, change }) {
    const original = encodeTensorFile(file);
    const bytes = mutate(original, change);
    let decoded: ReturnType<typeof decodeTensorFile>;
    try {
      decoded = decodeTensorFile(bytes, CHECKPOINT_NAME);
    } catch (error) {
      check(!sameBytes(bytes, original), 'refused the file as written');
      return refused(error, TensorFileError, `${CHECKPOINT_NAME}: `);
    }
    // accepted: only what the checksum vouches for, and consistent throughout
    const stored = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 4, true);
    check(stored === crc32(bytes.subarray(0, bytes.length - 4)), 'accepted a file whose checksum does not match');
    const names = new Set(decoded.tensors.map((t) => t.name));
    check(names.size === decoded.tensors.length, 'accepted two tensors of one name');
    for (const t of decoded.tensors) {
      check(t.data instanceof ARRAY_OF[t.dtype], `tensor ${t.name}: ${t.dtype} data in a ${t.data.constructor.name}`);
      check(t.data.length === product(t.shape), `tensor ${t.name}: ${t.data.length} values for shape [${t.shape}]`);
    }
    check(sameBytes(encodeTensorFile(decoded), encodeTensorFile(decodeTensorFile(encodeTensorFile(decoded)))), 'does not read back');
    if (sameBytes(bytes, original)) {
      check(JSON.stringify(decoded.meta) === JSON.stringify(file.meta), 'changed the metadata');
      check(
        decoded.tensors.length === file.tensors.length && decoded.tensors.every((t, i) => sameBytes(t.data, file.tensors[i]!.data)),
        'changed the tensors',
      );
    }
    return 'accepted';
  },
};

/** A run's checkpoint metadata as the command line writes it, with one field changed or removed. */
const runMeta = fc.record({
  method: fc.constantFrom('ours', 'npid', 'simclr', 'supervised'),
  place: fc.constantFrom('config' as const, 'meta' as const),
  key: fc.constantFrom(...Object.keys(resolveSetting({}).config), 'method', 'subset', 'config', 'colour'),
  value: fc.option(headerValue, { nil: undefined }), // undefined: the field removed
});

const runCheckpoint: FuzzTarget<ValueOf<typeof runMeta>> = {
  name: "checkpoint metadata, a run's",
  cases: runMeta,
  run({ method, place, key, value }) {
    const setting = resolveSetting({ method });
    const meta: Record<string, unknown> = { subset: 48, method, config: { ...setting.config } };
    const owner = (place === 'config' ? meta.config : meta) as Record<string, unknown>;
    if (value === undefined) delete owner[key];
    else owner[key] = value;
    let read: ReturnType<typeof readRunCheckpoint>;
    try {
      read = readRunCheckpoint(encodeTensorFile({ meta, tensors: [] }), CHECKPOINT_NAME);
    } catch (error) {
      return refused(error, Error, `${CHECKPOINT_NAME}: `);
    }
    for (const name of FLAG_NAMES.filter((flag) => configKey(flag) in read.config)) {
      const field = (read.config as unknown as Record<string, unknown>)[configKey(name)];
      check(withinKind(name, field), `accepted ${configKey(name)} = ${JSON.stringify(field)}, outside --${name}'s range`);
    }
    check(Number.isSafeInteger(read.subset) && read.subset > 0, `accepted ${read.subset} training images`);
    check(read.method === undefined || withinKind('method', read.method), `accepted the method ${JSON.stringify(read.method)}`);
    return 'accepted';
  },
};

// ---------------------------------------------------------------- the training flags

const FLAG_NAMES = Object.keys(TRAIN_FLAGS) as TrainFlag[];
const CHOICES = FLAG_NAMES.flatMap((name) => {
  const kind = TRAIN_FLAGS[name].kind;
  return 'choice' in kind ? [...kind.choice] : [];
});

/** What a user might type as a value: numbers in every spelling, near the ranges' edges, choices, and anything else. */
const flagValue = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.double().map(String),
  fc.integer({ min: -1e7, max: 1e10 }).map(String),
  fc.constantFrom('0', '1', '-0', '0.5', '1e3', '1e-3', '0x10', ' 2 ', '', ' ', 'NaN', 'Infinity', '-Infinity', '1_0', '2.0', '65537'),
  fc.constantFrom(...CHOICES),
);

/** Whether `value` is one `name` may take, by its declared kind. */
function withinKind(name: TrainFlag, value: unknown): boolean {
  const kind = TRAIN_FLAGS[name].kind;
  if ('choice' in kind) return (kind.choice as readonly unknown[]).includes(value);
  const [min, max] = 'number' in kind ? kind.number : kind.integer;
  return (
    typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (!('integer' in kind) || Number.isInteger(value))
  );
}

const flag: FuzzTarget<{ name: TrainFlag; value: string }> = {
  name: 'settings: parseFlag',
  cases: fc.record({ name: fc.constantFrom(...FLAG_NAMES), value: flagValue }),
  run({ name, value }) {
    let parsed: number | string;
    try {
      parsed = parseFlag(name, value);
    } catch (error) {
      return refused(error, Error, `--${name}`);
    }
    check(withinKind(name, parsed), `--${name} ${JSON.stringify(value)} gave ${JSON.stringify(parsed)}, outside its range`);
    return 'accepted';
  },
};

/** The configuration field a flag sets (the others are the setting's own fields). */
const configKey = (name: TrainFlag) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const setting: FuzzTarget<{ given: Partial<Record<TrainFlag, string>>; recipe: Recipe }> = {
  name: 'settings: resolveSetting',
  cases: fc.record({
    given: fc.dictionary(fc.constantFrom(...FLAG_NAMES), flagValue, { maxKeys: 4 }),
    recipe: fc.constantFrom(...(Object.keys(RECIPES) as Recipe[])),
  }),
  run({ given, recipe }) {
    let resolved: ReturnType<typeof resolveSetting>;
    try {
      resolved = resolveSetting(given, recipe);
    } catch (error) {
      const named = Object.keys(given).find((name) => (error as Error).message?.includes(`--${name}`));
      return refused(error, Error, `--${named ?? Object.keys(given).join('/--')}`);
    }
    for (const name of FLAG_NAMES) {
      const value =
        name === 'method'
          ? resolved.method
          : name === 'subset'
            ? resolved.subset
            : name === 'eval-every'
              ? resolved.evalEvery
              : (resolved.config as unknown as Record<string, unknown>)[configKey(name)];
      // the supervised method sets its own head (the classifier), which no flag can ask for
      if (!(name === 'head' && resolved.method === 'supervised'))
        check(withinKind(name, value), `--${name} resolved to ${JSON.stringify(value)}, outside its range`);
    }
    return 'accepted';
  },
};

/** Words of a sweep grid: flag=value with real flags, names that objects carry already, and anything else. */
const word = fc.oneof(
  fc.tuple(fc.constantFrom(...FLAG_NAMES), flagValue).map(([name, value]) => `${name}=${value}`),
  fc.tuple(fc.constantFrom('constructor', 'tostring', '__proto__', 'hasownproperty', 'prototype'), flagValue).map(([n, v]) => `${n}=${v}`),
  fc.string({ maxLength: 12 }),
);

const assignments: FuzzTarget<string[]> = {
  name: 'settings: parseAssignments',
  cases: fc.array(word, { maxLength: 4 }),
  run(words) {
    let values: ReturnType<typeof parseAssignments>;
    try {
      values = parseAssignments(words, '--grid');
    } catch (error) {
      const named = FLAG_NAMES.find((name) => (error as Error).message?.startsWith(`--${name} `));
      return refused(error, Error, named ? `--${named}` : '--grid');
    }
    for (const [name, value] of Object.entries(values) as [TrainFlag, string][]) {
      check(Object.hasOwn(TRAIN_FLAGS, name), `accepted ${name}, not a training flag`);
      check(withinKind(name, parseFlag(name, value)), `accepted ${name}=${value}, outside its range`);
    }
    return 'accepted';
  },
};

export const TARGETS: FuzzTarget<never>[] = [
  idxRandom,
  idxMutations,
  checkpoint,
  runCheckpoint,
  flag,
  setting,
  assignments,
] as FuzzTarget<never>[];
