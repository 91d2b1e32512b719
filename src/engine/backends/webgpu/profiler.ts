// Per-kernel GPU time: timestamp queries around each dispatch where the device supports
// them, otherwise one submit per kernel timed from the host (the runtime defers and
// replays the submits; see GpuRuntime.runDeferredTimed).

export type ProfileMode = 'timestamp' | 'submit';

export interface KernelTiming {
  kernel: string;
  calls: number;
  /** Total milliseconds. */
  ms: number;
}

const MAX_QUERIES = 4096; // pairs of begin/end stamps per batch

export class Profiler {
  private mode: ProfileMode | 'off' = 'off';
  private querySet: GPUQuerySet | null = null;
  private resolveBuffer: GPUBuffer | null = null;
  private labels: string[] = [];
  private resolved: { readback: GPUBuffer; labels: string[] }[] = [];
  private totals = new Map<string, KernelTiming>();

  constructor(private readonly device: GPUDevice) {}

  get supportsTimestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }

  get timestamps(): boolean {
    return this.mode === 'timestamp';
  }

  get perSubmit(): boolean {
    return this.mode === 'submit';
  }

  setMode(mode: ProfileMode | 'off'): void {
    if (mode === 'timestamp' && !this.supportsTimestamps)
      throw new Error('this device has no timestamp-query feature; use profiling mode "submit"');
    this.mode = mode;
    if (mode === 'timestamp' && !this.querySet) {
      this.querySet = this.device.createQuerySet({ type: 'timestamp', count: MAX_QUERIES });
      this.resolveBuffer = this.device.createBuffer({
        size: MAX_QUERIES * 8,
        usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
      });
    }
  }

  /** The pass descriptor that brackets one dispatch with timestamps (or none). */
  passDescriptor(label: string): GPUComputePassDescriptor {
    if (this.mode !== 'timestamp' || this.labels.length * 2 >= MAX_QUERIES) return {};
    const index = this.labels.length * 2;
    this.labels.push(label);
    return { timestampWrites: { querySet: this.querySet!, beginningOfPassWriteIndex: index, endOfPassWriteIndex: index + 1 } };
  }

  /** Copies this batch's timestamps out, inside the batch's encoder. */
  resolve(encoder: GPUCommandEncoder): void {
    if (this.mode !== 'timestamp' || this.labels.length === 0) return;
    const count = this.labels.length * 2;
    const readback = this.device.createBuffer({ size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.resolveQuerySet(this.querySet!, 0, count, this.resolveBuffer!, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer!, 0, readback, 0, count * 8);
    this.resolved.push({ readback, labels: this.labels });
    this.labels = [];
  }

  /** Adds one timed run of `kernel`. */
  record(kernel: string, ms: number): void {
    const entry = this.totals.get(kernel) ?? { kernel, calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += ms;
    this.totals.set(kernel, entry);
  }

  /** Reads back the timestamps of batches submitted so far (mapped only once submitted). */
  async collect(): Promise<void> {
    await Promise.all(
      this.resolved.splice(0).map(async ({ readback, labels }) => {
        await readback.mapAsync(GPUMapMode.READ);
        const stamps = new BigInt64Array(readback.getMappedRange());
        for (const [i, label] of labels.entries()) this.record(label, Number(stamps[2 * i + 1]! - stamps[2 * i]!) / 1e6);
        readback.destroy();
      }),
    );
  }

  /** Timings gathered since the last reset, most expensive first. */
  report(): KernelTiming[] {
    return [...this.totals.values()].sort((a, b) => b.ms - a.ms);
  }

  reset(): void {
    this.totals.clear();
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuffer?.destroy();
  }
}
