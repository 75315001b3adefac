/**
 * The inference interface on onnxruntime-web (the browser build: WASM with SIMD and threads, WebGPU where the
 * browser has it). The page sets where the .wasm files are served from (`configureOrtWeb`): the server ships
 * them from node_modules/onnxruntime-web/dist, never a CDN. Threads need a cross-origin isolated page (the
 * server sends COOP/COEP); without isolation ORT-web falls back to one thread by itself.
 */
import * as ort from 'onnxruntime-web';
import { type Inference, sessionInference } from '../runtime/browser.js';

import type { WebProvider } from './settings.js';

export type { WebProvider };

export interface OrtWebSetup {
  /** URL prefix of the ORT-web .wasm/.mjs files (ending in '/'). */
  readonly wasmPaths: string;
  /** WASM threads (0: ORT's default, half the cores; 1: no threads). */
  readonly numThreads: number;
}

/** Sets ORT-web's global WASM options; call once, before the first session. */
export function configureOrtWeb(s: OrtWebSetup): void {
  ort.env.wasm.wasmPaths = s.wasmPaths;
  if (s.numThreads > 0) ort.env.wasm.numThreads = s.numThreads;
  ort.env.wasm.simd = true;
  ort.env.logLevel = 'error';
}

/** Whether the page is cross-origin isolated, which WASM threads need (SharedArrayBuffer). */
export function threadsAvailable(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
}

/** Wraps an ORT-web session in the inference interface. */
export function webInference(session: ort.InferenceSession): Inference {
  return sessionInference(session, (data, dims) => new ort.Tensor('float32', data, dims));
}

/**
 * Opens a model on the first provider of `providers` that loads (e.g. ['webgpu', 'wasm']); returns the
 * session and the provider that took it.
 */
export async function openWebInference(
  bytes: Uint8Array,
  providers: readonly WebProvider[],
): Promise<{ inference: Inference; provider: WebProvider }> {
  const failures: string[] = [];
  for (const ep of providers) {
    if (ep === 'webgpu' && !(globalThis.navigator as { gpu?: unknown } | undefined)?.gpu) {
      failures.push('webgpu: navigator.gpu absent');
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: [ep],
        graphOptimizationLevel: 'all',
      });
      return { inference: webInference(session), provider: ep };
    } catch (e) {
      failures.push(`${ep}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no ONNX Runtime Web provider loaded (${failures.join('; ')})`);
}
