// The WebGPU runtime under the backend: pooled buffers, cached pipelines, one command
// encoder per batch of work, uniforms in one arena per batch, and errors that name kernels.

import common from '../../../../shaders/common.wgsl';
import { BufferPool } from './buffer-pool.js';
import { type ProfileMode, Profiler } from './profiler.js';
import { packStruct, parseStruct, type StructLayout, type UniformValues } from './uniforms.js';

/** A kernel: one entry point of a shader module, specialised by pipeline constants. */
export interface KernelSpec {
  /** The shader family, e.g. 'matmul'; part of every error message. */
  shader: string;
  /** The module's WGSL, without the common prelude. */
  source: string;
  entry: string;
  /** The struct bound at @binding(0) as the kernel's uniforms. */
  params: string;
  constants?: Record<string, number | boolean>;
}

/** A kernel failed: invalid shader, validation error, or the device was lost (a DeviceLostError). */
export class KernelError extends Error {
  constructor(
    readonly kernels: string[],
    message: string,
  ) {
    super(message);
    this.name = 'KernelError';
  }
}

/**
 * The device is gone (a driver reset, a GPU crash, `destroy()`), and every tensor on it with
 * it: a caller can open a fresh backend (`reopenBackend`) and rebuild from host-side state.
 */
export class DeviceLostError extends KernelError {
  constructor(
    kernels: string[],
    message: string,
    /** GPUDeviceLostInfo's reason and message. */
    readonly reason: string,
  ) {
    super(kernels, message);
    this.name = 'DeviceLostError';
  }
}

const UNIFORM_ARENA_BYTES = 1 << 20; // 4096 dispatches of 256 bytes before a forced flush
const MAX_GROUPS_PER_DIMENSION = 65535; // WebGPU's guaranteed minimum

interface Pipeline {
  pipeline: GPUComputePipeline;
  layout: StructLayout;
  label: string;
}

export class GpuRuntime {
  readonly pool: BufferPool;
  readonly profiler: Profiler;
  private pipelines = new Map<string, Pipeline>();
  private modules = new Map<string, { module: GPUShaderModule; source: string }>();
  private layouts = new Map<string, StructLayout>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private batchKernels: string[] = [];
  private pendingChecks: Promise<KernelError | null>[] = [];
  private uncaptured: KernelError[] = [];
  private uniformBytes = new Uint8Array(UNIFORM_ARENA_BYTES);
  private uniformView = new DataView(this.uniformBytes.buffer);
  private uniformUsed = 0;
  private uniformBuffer: GPUBuffer;
  private uploads: GPUBuffer[] = [];
  /** Work held back for timed replay in per-submit profiling (null label: a write). */
  private deferred: { label: string | null; run: () => void }[] = [];
  private lostReason: string | null = null;
  private lastKernels: string[] = [];
  /** A 16-byte buffer bound where a kernel declares an input it does not use (no bias, say). */
  readonly placeholder: GPUBuffer;

  constructor(readonly device: GPUDevice) {
    this.pool = new BufferPool(device);
    this.profiler = new Profiler(device);
    this.uniformBuffer = device.createBuffer({
      label: 'uniform arena',
      size: UNIFORM_ARENA_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.placeholder = device.createBuffer({ label: 'placeholder', size: 16, usage: GPUBufferUsage.STORAGE });
    device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
    device.onuncapturederror = (event) => {
      this.uncaptured.push(
        new KernelError(
          this.lastKernels,
          `WebGPU error outside any batch (recent kernels: ${this.lastKernels.join(', ')}): ${event.error.message}`,
        ),
      );
    };
  }

  get lost(): boolean {
    return this.lostReason !== null;
  }

  /** Per-kernel timing: timestamp queries where the device has them, else one submit per kernel. */
  setProfiling(mode: ProfileMode | 'off'): void {
    this.flush();
    this.profiler.setMode(mode);
  }

  /** Throws if the device is gone, naming what was about to run. */
  checkAlive(what: string): void {
    if (this.lostReason) throw new DeviceLostError([what], `WebGPU device lost (${this.lostReason}); cannot run ${what}`, this.lostReason);
  }

  private beginBatch(): GPUCommandEncoder {
    if (!this.encoder) {
      this.device.pushErrorScope('internal');
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('validation');
      this.encoder = this.device.createCommandEncoder();
    }
    return this.encoder;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  private structLayout(spec: KernelSpec): StructLayout {
    const key = `${spec.shader}:${spec.params}`;
    let layout = this.layouts.get(key);
    if (!layout) {
      layout = parseStruct(common + spec.source, spec.params);
      this.layouts.set(key, layout);
    }
    return layout;
  }

  /** The compiled pipeline of a kernel; compiled once, with its own error scope. */
  private pipeline(spec: KernelSpec): Pipeline {
    const constants = spec.constants ?? {};
    const key = `${spec.shader}|${spec.entry}|${JSON.stringify(constants)}`;
    const cached = this.pipelines.get(key);
    if (cached) return cached;
    const constantList = Object.entries(constants)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const label = `${spec.shader}.${spec.entry}${constantList ? `(${constantList})` : ''}`;
    this.device.pushErrorScope('validation');
    const module = this.shaderModule(spec);
    const pipeline = this.device.createComputePipeline({
      label,
      layout: 'auto',
      compute: { module, entryPoint: spec.entry, constants: Object.fromEntries(Object.entries(constants).map(([k, v]) => [k, Number(v)])) },
    });
    this.pendingChecks.push(
      this.device
        .popErrorScope()
        .then((error) => (error ? new KernelError([label], `kernel ${label} failed to compile: ${error.message}`) : null)),
    );
    const entry = { pipeline, layout: this.structLayout(spec), label };
    this.pipelines.set(key, entry);
    return entry;
  }

  private shaderModule(spec: KernelSpec): GPUShaderModule {
    const cached = this.modules.get(spec.shader);
    if (cached) {
      if (cached.source !== spec.source) throw new Error(`shader name ${spec.shader} is used for two different sources`);
      return cached.module;
    }
    const module = this.device.createShaderModule({ label: spec.shader, code: common + spec.source });
    this.modules.set(spec.shader, { module, source: spec.source });
    return module;
  }

  /**
   * Records one dispatch: uniforms `params` at binding 0, `buffers` at bindings 1…n,
   * `grid` workgroups. Nothing runs until the batch is flushed.
   */
  dispatch(spec: KernelSpec, params: UniformValues, buffers: GPUBuffer[], grid: [number, number, number]): void {
    this.checkAlive(`${spec.shader}.${spec.entry}`);
    if (grid.some((n) => n === 0)) return;
    const layout = this.structLayout(spec);
    const align = this.device.limits.minUniformBufferOffsetAlignment;
    if (this.uniformUsed + layout.size > UNIFORM_ARENA_BYTES) this.flush();
    const encoder = this.beginBatch();
    const { pipeline, label } = this.pipeline(spec);
    const offset = this.uniformUsed;
    packStruct(layout, params, this.uniformView, offset);
    this.uniformUsed = Math.ceil((offset + layout.size) / align) * align;
    const bindGroup = this.device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.uniformBuffer, offset, size: layout.size } },
        ...buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
      ],
    });
    if (this.profiler.timestamps) this.endPass();
    if (!this.pass) this.pass = encoder.beginComputePass(this.profiler.passDescriptor(label));
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(...grid);
    this.batchKernels.push(label);
    if (this.profiler.timestamps) this.endPass();
    if (this.profiler.perSubmit) this.flush();
  }

  /** Copies host data into a buffer, ordered after the work already recorded. */
  write(buffer: GPUBuffer, data: ArrayBufferView): void {
    this.checkAlive('write');
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (!this.encoder) {
      if (this.profiler.perSubmit) {
        const copy = bytes.slice();
        this.deferred.push({ label: null, run: () => this.device.queue.writeBuffer(buffer, 0, copy) });
      } else {
        this.runDeferred();
        this.device.queue.writeBuffer(buffer, 0, bytes);
      }
      return;
    }
    // A recorded kernel may still read this (recycled) buffer: copy inside the batch instead.
    this.endPass();
    const size = Math.ceil(bytes.byteLength / 4) * 4;
    const upload = this.device.createBuffer({ label: 'upload', size, usage: GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
    new Uint8Array(upload.getMappedRange()).set(bytes);
    upload.unmap();
    this.encoder.copyBufferToBuffer(upload, 0, buffer, 0, size);
    this.uploads.push(upload);
  }

  /** Submits the recorded batch. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    this.profiler.resolve(this.encoder);
    const commands = this.encoder.finish();
    const kernels = this.batchKernels;
    if (this.profiler.perSubmit) {
      const uniforms = this.uniformBytes.slice(0, this.uniformUsed);
      this.deferred.push({ label: kernels.join('+'), run: () => this.submit(commands, uniforms) });
    } else {
      this.runDeferred();
      this.submit(commands, this.uniformBytes.subarray(0, this.uniformUsed));
    }
    const scopes = [this.device.popErrorScope(), this.device.popErrorScope(), this.device.popErrorScope()];
    this.pendingChecks.push(
      Promise.all(scopes).then((errors) => {
        const error = errors.find((e) => e !== null);
        return error
          ? new KernelError(
              kernels,
              `WebGPU ${error.constructor.name} in a batch of ${kernels.length} kernels (${summarize(kernels)}): ${error.message}`,
            )
          : null;
      }),
    );
    for (const upload of this.uploads) upload.destroy();
    this.uploads = [];
    this.lastKernels = kernels.slice(-8);
    this.batchKernels = [];
    this.encoder = null;
    this.uniformUsed = 0;
  }

  private submit(commands: GPUCommandBuffer, uniforms: Uint8Array): void {
    if (uniforms.byteLength > 0) this.device.queue.writeBuffer(this.uniformBuffer, 0, uniforms);
    this.device.queue.submit([commands]);
  }

  /** Submits deferred work in order without timing it (profiling was switched off). */
  private runDeferred(): void {
    for (const { run } of this.deferred.splice(0)) run();
  }

  /**
   * In per-submit profiling, batches wait here until the host syncs, then run one at a time,
   * each timed from its submit until the queue is idle: software adapters may not start work
   * at submit, so timing submits as they happen would charge a whole step to its first kernel.
   */
  private async runDeferredTimed(): Promise<void> {
    for (const { label, run } of this.deferred.splice(0)) {
      const start = performance.now();
      run();
      if (label === null) continue;
      await this.device.queue.onSubmittedWorkDone();
      this.profiler.record(label, performance.now() - start);
    }
  }

  /** Resolves once the errors of everything submitted so far are known; throws the first. */
  async checkErrors(): Promise<void> {
    const checks = this.pendingChecks;
    this.pendingChecks = [];
    const errors = (await Promise.all(checks)).filter((e): e is KernelError => e !== null);
    // after a loss, other errors are its consequences: the loss is what a caller can act on
    if (this.lostReason) {
      const message = `WebGPU device lost (${this.lostReason}) while running ${summarize(this.lastKernels)}`;
      throw new DeviceLostError(this.lastKernels, message, this.lostReason);
    }
    const first = errors[0] ?? this.uncaptured.shift();
    if (first) throw first;
  }

  /** Waits for all submitted work and reports its errors. */
  async sync(): Promise<void> {
    this.flush();
    await this.runDeferredTimed();
    if (!this.lostReason) await this.device.queue.onSubmittedWorkDone();
    await this.checkErrors();
    await this.profiler.collect();
  }

  /** Reads `bytes` bytes of a buffer back to the host. */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.checkAlive('read');
    this.flush();
    await this.runDeferredTimed();
    const size = Math.ceil(bytes / 4) * 4;
    const staging = this.device.createBuffer({ label: 'readback', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, size);
    this.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (error) {
      await this.checkErrors();
      throw error;
    }
    const result = staging.getMappedRange().slice(0, bytes);
    staging.destroy();
    await this.checkErrors();
    return result;
  }

  /** A grid of `count` workgroups, wrapped into y beyond the per-dimension limit. */
  static grid(count: number, z = 1): [number, number, number] {
    if (count <= MAX_GROUPS_PER_DIMENSION) return [count, 1, z];
    const y = Math.ceil(count / MAX_GROUPS_PER_DIMENSION);
    return [Math.ceil(count / y), y, z];
  }

  destroy(): void {
    this.encoder = null;
    this.pass = null;
    this.pool.destroy();
    this.profiler.destroy();
    this.uniformBuffer.destroy();
    this.placeholder.destroy();
  }
}

function summarize(kernels: string[]): string {
  const unique = [...new Set(kernels)];
  return unique.length <= 6 ? unique.join(', ') : `${unique.slice(0, 6).join(', ')}, …`;
}
