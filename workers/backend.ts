import type { BackendInfo, EpPreference } from './model-api';

/** What we learn about the WebGPU adapter (if any) in this context. */
export interface AdapterProbe {
  available: boolean;
  description?: string;
  isSoftware?: boolean;
}

interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i;

/** Ask navigator.gpu for an adapter and classify it; never throws. */
export async function probeWebGpu(): Promise<AdapterProbe> {
  const gpu = (globalThis.navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return { available: false };
  try {
    const adapter = (await gpu.requestAdapter()) as { info?: GpuAdapterInfoLike; isFallbackAdapter?: boolean } | null;
    if (!adapter) return { available: false };
    const info = adapter.info ?? {};
    const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
    const isSoftware = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || SOFTWARE_ADAPTER.test(text);
    return { available: true, description: text || 'unknown adapter', isSoftware };
  } catch {
    return { available: false };
  }
}

/** The pure decision: which EP to use for a preference and a probed adapter, with a reason a person can read. */
export function chooseBackend(
  preference: EpPreference,
  probe: AdapterProbe,
  env: { crossOriginIsolated: boolean; hardwareConcurrency: number },
): BackendInfo {
  const threads = env.crossOriginIsolated ? Math.max(1, env.hardwareConcurrency) : 1;
  const base = {
    preference,
    adapter: probe.description,
    adapterIsSoftware: probe.isSoftware,
    webgpuAvailable: probe.available,
    threads,
    crossOriginIsolated: env.crossOriginIsolated,
  };
  if (preference === 'wasm') return { ...base, ep: 'wasm', reason: 'WASM chosen by you' };
  if (preference === 'webgpu') {
    if (!probe.available) return { ...base, ep: 'wasm', reason: 'WebGPU requested, but this browser offers no WebGPU adapter: using WASM' };
    return { ...base, ep: 'webgpu', reason: probe.isSoftware ? 'WebGPU chosen by you; the adapter is software, so it is slow' : 'WebGPU chosen by you' };
  }
  if (!probe.available) return { ...base, ep: 'wasm', reason: 'no WebGPU in this browser' };
  if (probe.isSoftware) return { ...base, ep: 'wasm', reason: 'only a software WebGPU adapter, slower than WASM' };
  return { ...base, ep: 'webgpu', reason: 'hardware GPU found' };
}

/** Status-bar text, e.g. "WASM · 2 threads · cross-origin isolated". */
export function describeBackend(b: BackendInfo): string {
  if (b.ep === 'webgpu') return `WebGPU · ${b.adapter ?? 'GPU'}`;
  const threads = `${b.threads} thread${b.threads === 1 ? '' : 's'}`;
  return `WASM · ${threads} · ${b.crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated'}`;
}
