/** The detect stage's public face: detector, alignment, tracker and the detect+track operator. */
export {
  type Affine,
  alignFace,
  alignmentPoints,
  applyAffine,
  invertAffine,
  MESH_POINTS,
  similarityTransform,
  TEMPLATE_ID,
  TEMPLATE_UNIT,
  TEMPLATE_WEIGHTS,
  templatePoints,
  warpAffine,
} from './align.js';
export { BLAZE_INPUT } from './blazeface.js';
export { createFaceDetector } from './create.js';
export type { FaceDetector } from './detector.js';
export { detectWindows, FULL_INPUT, windowTransform } from './full-range.js';
export { shortRangeWindow, writeDetectorInput } from './mesh-detector.js';
export { LOCAL_SCHEME, registerLocalModelLoader } from './model-loader.js';
export { DETECT_MODEL_DIR } from './onnx-detector.js';
export {
  decodeSsd,
  detectSsd,
  freshFaces,
  mergeSsd,
  SSD_ANCHORS,
  SSD_INPUT,
  SSD_MESH_BOX_SCALE,
  type SsdFace,
  type SsdOptions,
  ssdSeed,
} from './ssd.js';
export { detectAndTrack } from './stage.js';
export { nextScanGap, SCAN_BACKOFF } from './step.js';
export { cropRegion, detectTiled, shiftDetection, type TileOptions } from './tiles.js';
export {
  endAllTracks,
  initialTrackerState,
  iou,
  matchByIou,
  type Track,
  type TrackerOptions,
  type TrackerState,
  type TrackerUpdate,
  updateTracks,
} from './tracker.js';
