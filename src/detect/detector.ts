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
  /**
   * A second detector's look for faces the first misses (small, far faces of a room camera): the faces it
   * finds that are none of `known` (this frame's faces), each confirmed by the mesh. Stateless; the caller
   * decides how often (detect.scanEvery). Absent when no scan detector is configured.
   */
  scan?(img: RgbImage, known: readonly FaceDetection[]): Promise<FaceDetection[]>;
  close(): Promise<void>;
}
