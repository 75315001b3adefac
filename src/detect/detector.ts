import type { Config } from '../config/index.js';
import type { FaceDetection, RgbImage } from '../types.js';

/**
 * A face detector with dense landmarks. Implementations hide their library (human/tfjs today, an
 * ONNX model tomorrow) behind this interface; nothing else in aupipe imports the library.
 */
export interface FaceDetector {
  /** Full detection: every face in the image, best first, filtered by the config's score/size/count. */
  detect(img: RgbImage, session?: object): Promise<FaceDetection[]>;
  /**
   * Cheaper pass between detections: landmarks only, around the faces that the last call with the same
   * `session` token found (one token per stream). Falls back to a full detection when that state is gone
   * (another session ran in between, or the picture changed completely). Optional.
   */
  follow?(img: RgbImage, session: object): Promise<FaceDetection[]>;
  close(): Promise<void>;
}

/** Creates the default detector (blazeface + facemesh + iris on tfjs-wasm, 478-point mesh). */
export async function createFaceDetector(cfg: Config['detect']): Promise<FaceDetector> {
  const { createHumanDetector } = await import('./human-detector.js');
  return createHumanDetector(cfg);
}
