// Reuses GPU buffers by size class, so a training step allocates nothing after the first.

import type { MemoryStats } from '../../backend.js';

import { sizeClass } from '../size-class.js';

export { sizeClass };

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private live = new Map<GPUBuffer, number>();
  private liveBytes = 0;
  private peakBytes = 0;
  private pooledBytes = 0;
  private pooledCount = 0;

  constructor(private readonly device: GPUDevice) {}

  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const limit = this.device.limits.maxStorageBufferBindingSize;
    if (size > limit) throw new Error(`allocation of ${bytes} bytes exceeds this device's storage binding limit of ${limit} bytes`);
    let buffer = this.free.get(size)?.pop();
    if (buffer) {
      this.pooledBytes -= size;
      this.pooledCount--;
    } else {
      buffer = this.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    }
    this.live.set(buffer, size);
    this.liveBytes += size;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const size = this.live.get(buffer);
    if (size === undefined) throw new Error('released a buffer this pool did not hand out (double free?)');
    this.live.delete(buffer);
    this.liveBytes -= size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
    this.pooledBytes += size;
    this.pooledCount++;
  }

  /** Destroys the pooled (unused) buffers. */
  trim(): void {
    for (const list of this.free.values()) for (const buffer of list) buffer.destroy();
    this.free.clear();
    this.pooledBytes = 0;
    this.pooledCount = 0;
  }

  stats(): MemoryStats {
    return {
      liveBuffers: this.live.size,
      liveBytes: this.liveBytes,
      pooledBuffers: this.pooledCount,
      pooledBytes: this.pooledBytes,
      peakBytes: this.peakBytes,
    };
  }

  resetPeak(): void {
    this.peakBytes = this.liveBytes;
  }

  destroy(): void {
    this.trim();
    for (const buffer of this.live.keys()) buffer.destroy();
    this.live.clear();
    this.liveBytes = 0;
  }
}
