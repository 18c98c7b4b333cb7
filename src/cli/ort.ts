import type { OrtModule } from '../core/engine';

/** onnxruntime-node as the engine (loaded on first use: it is a native addon and takes a moment). */
export async function loadOrtNode(): Promise<OrtModule> {
  return (await import('onnxruntime-node')) as unknown as OrtModule;
}
