// Worker threads that run the kernels' parts in parallel on one shared WebAssembly.Memory.
// The host (part 0) publishes a job in a control block in that memory, wakes the workers
// with Atomics.notify, runs its own part, and waits for the others: a handful of
// microseconds per parallel call, no messages. A job is a kernel and the address of its
// record (records.ts), which the host leaves in place until every part is done.

export type WorkerFactory = (source: string) => WorkerLike;

/** The part of Node's Worker and the browser's Worker that we use. */
export interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

// Control block layout (i32 words).
const GENERATION = 0; // bumped once per job
const DONE = 1; // workers finished with the current job
const KERNEL = 2; // index into the kernel names, -1 to exit
const RECORD = 3; // the kernel's record
const FAILED = 4; // a worker's kernel threw
const PARTS = 5;
export const CONTROL_BYTES = 64;
/** A part that takes this long has hung (a dead worker): fail loudly instead of waiting forever. */
const STALL_MS = 120_000;

/**
 * The worker's whole program, as a string so that it needs no file of its own in either
 * bundle. It receives the module, the memory, the control block address and its part index.
 */
const WORKER_SOURCE = `
const start = ({ module, memory, control, part, names }) => {
  const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('abort'); } } });
  const words = new Int32Array(memory.buffer, control, ${CONTROL_BYTES / 4});
  let seen = 0;
  for (;;) {
    // Run each generation once: a wait may also end without a new job (an interrupt).
    const generation = Atomics.load(words, ${GENERATION});
    if (generation === seen) {
      Atomics.wait(words, ${GENERATION}, seen);
      continue;
    }
    seen = generation;
    const kernel = words[${KERNEL}];
    if (kernel < 0) return;
    const parts = words[${PARTS}];
    if (part < parts) {
      try { instance.exports[names[kernel]](words[${RECORD}], part, parts); } catch { Atomics.store(words, ${FAILED}, 1); }
    }
    Atomics.add(words, ${DONE}, 1);
    Atomics.notify(words, ${DONE});
  }
};
if (typeof process === 'object' && process.versions && process.versions.node) {
  const { parentPort } = require('node:worker_threads');
  parentPort.once('message', (m) => { parentPort.postMessage('ready'); start(m); });
} else {
  self.onmessage = (e) => { self.postMessage('ready'); start(e.data); };
}
`;

export class ThreadPool {
  private readonly words: Int32Array;
  private readonly indexOf = new Map<string, number>();
  /** Atomics.wait is refused on a browser's main thread; there the host spins instead. */
  private readonly canBlock: boolean;

  private constructor(
    memory: WebAssembly.Memory,
    control: number,
    private readonly workers: WorkerLike[],
    names: string[],
  ) {
    this.words = new Int32Array(memory.buffer, control, CONTROL_BYTES / 4);
    for (const [i, name] of names.entries()) this.indexOf.set(name, i);
    this.canBlock = typeof process === 'object' && !!process.versions?.node;
  }

  /** Starts `threads - 1` workers (the host is the first thread) and waits until they listen. */
  static async start(
    threads: number,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    control: number,
    names: string[],
    spawn: WorkerFactory,
  ): Promise<ThreadPool> {
    const workers: WorkerLike[] = [];
    const ready: Promise<void>[] = [];
    for (let part = 1; part < threads; part++) {
      const worker = spawn(WORKER_SOURCE);
      ready.push(
        new Promise((resolve, reject) => {
          type Listen = (event: string, listener: (event: ErrorEvent) => void, options?: { once: boolean }) => void;
          const w = worker as unknown as { once?: Listen; addEventListener?: Listen; unref?: () => void };
          if (w.once) {
            w.once('message', () => {
              w.unref?.(); // once listening, idle workers must not keep Node alive
              resolve();
            });
            w.once('error', reject);
          } else {
            w.addEventListener!('message', () => resolve(), { once: true });
            w.addEventListener!('error', (e: ErrorEvent) => reject(new Error(e.message)), { once: true });
          }
        }),
      );
      worker.postMessage({ module, memory, control, part, names });
      workers.push(worker);
    }
    await Promise.all(ready);
    return new ThreadPool(memory, control, workers, names);
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs kernel(record, part, parts) for every part: part 0 here (through `local`), the
   * others on the workers. The record must stay as it is until this returns.
   */
  run(kernel: string, record: number, local: (part: number, parts: number) => void): void {
    const parts = this.threads;
    const index = this.indexOf.get(kernel);
    if (index === undefined) throw new Error(`thread pool: unknown kernel ${kernel}`);
    const w = this.words;
    w[KERNEL] = index;
    w[RECORD] = record;
    w[PARTS] = parts;
    w[FAILED] = 0;
    Atomics.store(w, DONE, 0);
    Atomics.add(w, GENERATION, 1);
    Atomics.notify(w, GENERATION);
    let error: unknown = null;
    try {
      local(0, parts);
    } catch (e) {
      error = e;
    }
    const deadline = performance.now() + STALL_MS;
    for (;;) {
      const done = Atomics.load(w, DONE);
      if (done === this.workers.length) break;
      if (performance.now() > deadline) {
        throw new Error(`${kernel}: ${this.workers.length - done} worker thread(s) stopped responding for ${STALL_MS / 1000} s`);
      }
      if (this.canBlock) Atomics.wait(w, DONE, done, 1000);
    }
    if (error) throw error;
    if (w[FAILED]) throw new Error(`${kernel} failed on a worker thread`);
  }

  destroy(): void {
    this.words[KERNEL] = -1;
    Atomics.add(this.words, GENERATION, 1);
    Atomics.notify(this.words, GENERATION);
    for (const worker of this.workers) worker.terminate();
  }
}
