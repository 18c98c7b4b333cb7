import type { OrtModule } from '../core/engine';

/** onnxruntime-node as the engine (loaded on first use: it is a native addon and takes a moment). */
export async function loadOrtNode(): Promise<OrtModule> {
  process.env.ORT_DISABLE_TELEMETRY = '1'; // read by the native library at start-up: no telemetry queued under ~/.cache (src/cli/main.ts)
  return (await import('onnxruntime-node')) as unknown as OrtModule;
}
