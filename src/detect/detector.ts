import type { Config } from '../config/index.js';
import type { FaceDetection, RgbImage } from '../types.js';

/**
 * A face detector with dense landmarks. Implementations hide their library (human/tfjs today, an
 * ONNX model tomorrow) behind this interface; nothing else in aupipe imports the library.
 */
export interface FaceDetector {
  /** Full detection: every face in the image, best first, filtered by the config's score/size/count. */
  detect(img: RgbImage): Promise<FaceDetection[]>;
  /**
   * Cheaper pass between detections: landmarks only, around the faces found in the previous frame
   * (`previous`, as returned by the last detect/follow for this stream). Faces it loses are left out;
   * new faces wait for the next detect. Stateless, so streams can share a detector. Optional.
   */
  follow?(img: RgbImage, previous: readonly FaceDetection[]): Promise<FaceDetection[]>;
  close(): Promise<void>;
}

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
