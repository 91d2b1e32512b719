// The page's autosave: the checkpoint of the run in progress at its last epoch's end, with
// what the page needs to rebuild the run (the images' key, the charts so far), kept in the
// browser's storage so that a reload or a crashed tab can resume it. OPFS (the origin private
// file system) where the page can write files there, else IndexedDB. There is one record,
// replaced whole by each save (OPFS swaps a written file in when it is closed, IndexedDB
// commits a transaction), so a tab that dies mid-save leaves the previous one.

import type { DataOptions } from './protocol.js';

/** A chart's points, a series after another (LineChart.data). */
export type Curves = { x: number[]; y: number[] }[];

export interface Autosave {
  /** The checkpoint, in the CLI's format. */
  bytes: ArrayBuffer;
  /** Epochs done, of `epochs`. */
  epoch: number;
  epochs: number;
  /** Which images the run trains on (the subset depends on the seed). */
  key: Omit<DataOptions, 'source'>;
  /** Whether they came from files the user picked, which are not kept. */
  files: boolean;
  /** The loss and kNN charts up to the checkpoint. */
  charts: { loss: Curves; knn: Curves };
  /** When it was saved (ISO 8601). */
  saved: string;
}

type Meta = Omit<Autosave, 'bytes'>;

/** Where the record lives: one of two kinds of browser storage. */
interface Storage {
  write(meta: Meta, bytes: ArrayBuffer): Promise<void>;
  read(): Promise<{ meta: unknown; bytes: ArrayBuffer } | null>;
  remove(): Promise<void>;
}

const FILE = 'sslgpu-autosave.bin';
const DATABASE = 'sslgpu-demo';
const TABLE = 'autosave';
const KEY = 'run';

/** The OPFS file: the metadata's length (u32, little-endian), the metadata as JSON, then the checkpoint. */
async function opfs(): Promise<Storage> {
  // Safari has OPFS, but lets pages (rather than workers) write its files only since version 26
  if (!('createWritable' in FileSystemFileHandle.prototype)) throw new Error('OPFS files cannot be written from a page here');
  const root = await navigator.storage.getDirectory();
  return {
    async write(meta, bytes) {
      const json = new TextEncoder().encode(JSON.stringify(meta));
      const length = new Uint8Array(4);
      new DataView(length.buffer).setUint32(0, json.length, true);
      const file = await (await root.getFileHandle(FILE, { create: true })).createWritable();
      await file.write(new Blob([length, json, bytes]));
      await file.close(); // the new contents replace the old only here
    },
    async read() {
      const handle = await root.getFileHandle(FILE).catch((error: DOMException) => {
        if (error.name === 'NotFoundError') return null;
        throw error;
      });
      if (!handle) return null;
      const data = await (await handle.getFile()).arrayBuffer();
      const length = data.byteLength >= 4 ? new DataView(data).getUint32(0, true) : Infinity;
      if (4 + length > data.byteLength) return { meta: null, bytes: data }; // cut short: damaged
      return { meta: JSON.parse(new TextDecoder().decode(new Uint8Array(data, 4, length))), bytes: data.slice(4 + length) };
    },
    async remove() {
      await root.removeEntry(FILE).catch((error: DOMException) => {
        if (error.name !== 'NotFoundError') throw error;
      });
    },
  };
}

/** Resolves with the request's result once its transaction has committed. */
function committed<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const { transaction } = request;
    transaction!.oncomplete = () => resolve(request.result);
    transaction!.onerror = transaction!.onabort = () => reject(transaction!.error ?? request.error);
  });
}

/** One IndexedDB record: the metadata and the checkpoint as they are (structured clone). */
async function indexedDb(): Promise<Storage> {
  const opening = indexedDB.open(DATABASE, 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore(TABLE);
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
  const table = (mode: IDBTransactionMode) => db.transaction(TABLE, mode).objectStore(TABLE);
  return {
    async write(meta, bytes) {
      await committed(table('readwrite').put({ meta, bytes }, KEY));
    },
    async read() {
      return ((await committed(table('readonly').get(KEY))) as { meta: unknown; bytes: ArrayBuffer } | undefined) ?? null;
    },
    async remove() {
      await committed(table('readwrite').delete(KEY));
    },
  };
}

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isCurves = (c: unknown): c is Curves =>
  Array.isArray(c) && c.every((s) => Array.isArray(s?.x) && Array.isArray(s?.y) && s.x.length === s.y.length);

/** The record's metadata, checked (the checkpoint is checked by the worker's restore). */
function checked(meta: unknown, bytes: ArrayBuffer): Autosave {
  const m = (meta ?? {}) as Partial<Meta>;
  const { key, charts } = m;
  const sound =
    isCount(m.epoch) &&
    isCount(m.epochs) &&
    m.epoch >= 1 &&
    m.epoch < m.epochs &&
    isCount(key?.subset) &&
    isCount(key?.testSubset) &&
    isCount(key?.seed) &&
    typeof m.files === 'boolean' &&
    typeof m.saved === 'string' &&
    isCurves(charts?.loss) &&
    isCurves(charts?.knn);
  if (!sound || !(bytes instanceof ArrayBuffer)) throw new Error('the autosaved run is damaged');
  return { ...(m as Meta), bytes };
}

/** The autosave in whichever storage the browser offers; saves, loads and clears run one after another, in call order. */
export class AutosaveStore {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    /** 'OPFS' or 'IndexedDB'. */
    readonly where: string,
    private readonly storage: Storage,
  ) {}

  /** OPFS, else IndexedDB; null where the browser allows neither (some private windows). */
  static async open(): Promise<AutosaveStore | null> {
    for (const [where, open] of [
      ['OPFS', opfs],
      ['IndexedDB', indexedDb],
    ] as const) {
      try {
        return new AutosaveStore(where, await open());
      } catch {
        // not offered here: the next kind
      }
    }
    return null;
  }

  private inTurn<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation, operation);
    this.queue = result.catch(() => {}); // a failed operation does not stop the ones after it
    return result;
  }

  save(record: Autosave): Promise<void> {
    const { bytes, ...meta } = record;
    return this.inTurn(() => this.storage.write(meta, bytes));
  }

  /** The record, once every earlier save and clear is done; null if there is none. A damaged one is refused. */
  load(): Promise<Autosave | null> {
    return this.inTurn(async () => {
      const record = await this.storage.read();
      return record && checked(record.meta, record.bytes);
    });
  }

  clear(): Promise<void> {
    return this.inTurn(() => this.storage.remove());
  }
}
