// Finding a WebGPU adapter and opening a device with the limits our kernels need.
// The platform (Node's Dawn bindings, or a browser's navigator.gpu) supplies the candidates.

/** Which adapter to use: the best available, or one forced by name. */
export type AdapterChoice = 'auto' | 'hardware' | 'llvmpipe' | 'swiftshader' | 'browser';

export interface AdapterCandidate {
  kind: Exclude<AdapterChoice, 'auto'>;
  adapter: GPUAdapter;
  /** The GPU object that made the adapter; Dawn frees the device with it, so it must stay referenced. */
  instance: GPU;
}

export interface OpenedDevice {
  device: GPUDevice;
  instance: GPU;
  kind: Exclude<AdapterChoice, 'auto'>;
  /** True for CPU emulations of a GPU (SwiftShader, llvmpipe, WARP…). */
  software: boolean;
  name: string;
  featureLevel: 'core' | 'compatibility';
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|warp|microsoft basic render/i;

/** An adapter's name and whether it is software, from its info (which a probe in another process can send). */
export function describeAdapter({ info }: { info: Partial<GPUAdapterInfo> }): { name: string; software: boolean } {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter(Boolean);
  const name = parts.join(' ').trim() || 'unknown adapter';
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return { name, software: fallback || SOFTWARE_NAMES.test(name) };
}

/** The limits our kernels rely on: at least these, and the adapter's maximum for buffer sizes. */
function requiredLimits(adapter: GPUAdapter): Record<string, number> {
  const wanted: Record<string, number> = {
    maxStorageBuffersPerShaderStage: 8, // batchnorm's backward binds 8 buffers
    maxComputeInvocationsPerWorkgroup: 256,
    maxComputeWorkgroupSizeX: 256,
    maxComputeWorkgroupSizeY: 256,
    maxComputeWorkgroupStorageSize: 16384,
  };
  const limits = adapter.limits as unknown as Record<string, number>;
  for (const [name, value] of Object.entries(wanted)) {
    if (limits[name]! < value) throw new Error(`WebGPU adapter offers ${name} = ${limits[name]}, the kernels need ${value}`);
  }
  return {
    ...wanted,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize!,
    maxBufferSize: limits.maxBufferSize!,
    maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize!,
  };
}

export async function openDevice(candidate: AdapterCandidate): Promise<OpenedDevice> {
  const { adapter, kind, instance } = candidate;
  const features: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({ requiredLimits: requiredLimits(adapter), requiredFeatures: features });
  const { name, software } = describeAdapter(adapter);
  const core = adapter.features.has('core-features-and-limits');
  return { device, instance, kind, software, name, featureLevel: core ? 'core' : 'compatibility' };
}
