import type { Config } from '../config/index.js';
import type { FaceDetector } from './detector.js';

/**
 * Creates the configured detector (blazeface + facemesh on ONNX Runtime, or on tfjs-wasm with optional
 * iris), in-process or as a pool of `cfg.workers` worker threads.
 */
export async function createFaceDetector(cfg: Config['detect']): Promise<FaceDetector> {
  if (cfg.workers > 0) {
    const { createWorkerDetector } = await import('./worker-pool.js');
    return createWorkerDetector(cfg, cfg.workers);
  }
  return createLocalDetector(cfg);
}

/** The configured runtime on this thread (what each worker of the pool runs). */
export async function createLocalDetector(cfg: Config['detect']): Promise<FaceDetector> {
  if (cfg.backend === 'onnx') {
    const { createOnnxDetector } = await import('./onnx-detector.js');
    return createOnnxDetector(cfg);
  }
  const { createHumanDetector } = await import('./human-detector.js');
  return createHumanDetector(cfg);
}
