/**
 * onnxruntime-web set-up shared by the lab workers (Microstimulation, Language). The labs run their own
 * sessions because they run models the general model worker does not: a graph rewritten with a stimulation
 * input, and GPT-2 graphs built in code. WASM execution provider (multi-threaded when cross-origin isolated):
 * these models are small and WASM gives bit-stable results across machines.
 */
import * as ort from 'onnxruntime-web';
import type { OrtModule, OrtSession, OrtSessionOptions } from '../src/core/engine';
import { UserFacingError } from '../src/core/types';

let configured = false;

export function configureOrt(): { ep: string; threads: number } {
  const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
  const threads = isolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  if (!configured) {
    ort.env.wasm.wasmPaths = '/ort/';
    ort.env.wasm.numThreads = threads;
    configured = true;
  }
  return { ep: 'wasm', threads };
}

export async function createSession(bytes: Uint8Array, options: OrtSessionOptions = {}): Promise<OrtSession> {
  configureOrt();
  try {
    return await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', ...options } as ort.InferenceSession.SessionOptions);
  } catch (e) {
    const text = String((e as Error)?.message ?? e);
    if (/not implemented|could not find an implementation|unsupported/i.test(text)) {
      throw new UserFacingError('This model uses an operator the browser runtime does not support.', text);
    }
    if (/memory|allocation/i.test(text)) throw new UserFacingError('Out of memory while loading the model. Try a smaller model.', text);
    throw new UserFacingError('The model could not be loaded.', text);
  }
}

/** onnxruntime-web as the ORT module handed to runtime-agnostic engines (core/stim/ort-engine.ts, language/engine.ts). */
export const webOrt: OrtModule = { Tensor: ort.Tensor as unknown as OrtModule['Tensor'], InferenceSession: { create: createSession } };
