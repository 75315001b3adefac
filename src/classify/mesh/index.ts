export {
  type BaselineOptions,
  BaselineStore,
  blendCalibration,
  blendNeutral,
  DEFAULT_BASELINE,
  iou,
  median,
  REFIND_IOU,
  RELATIVE_AUS,
  TrackBaseline,
  warmupWeight,
} from './baseline.js';
export {
  type AuCalibration,
  MESH_CALIBRATION,
  MESH_CALIBRATION_LIPS68,
  MESH_CALIBRATION_RELATIVE,
} from './calibration.js';
export { CropNet, type CropNetKind, type CropNetOptions } from './crop-net.js';
export {
  AU26_CAVITY_WEIGHT,
  EXPRESSION_AUS,
  EXPRESSION_WEIGHT,
  LIPS68_CLOSED_GAP,
  LIPS68_WEIGHT,
  MeshAuEstimator,
  MeshAuEstimator as MeshEstimator,
  type MeshAuOptions,
  type MeshEstimatorOptions,
  MOUTH_OPEN_WEIGHT,
  meshAus,
  meshMeasures,
  withHappy,
} from './estimator.js';
export {
  EXPRESSION_PROTOTYPES,
  EXPRESSIONS_DIR,
  type Expressions,
  FaceExpressions,
  PROTOTYPE_AUS,
  prototypeEvidence,
} from './expressions.js';
export { FEATURE_EXPRESSIONS, FEATURE_NAMES, type FeatureInput, studentFeatures } from './features.js';
export { LANDMARK_COUNT, LANDMARKS68_DIR, Landmarks68, type Landmarks68Options } from './landmarks68.js';
export { type LipMeasures68, lipMeasures68 } from './lips68.js';
export { type AuMeasures, CANONICAL_MEASURES, rawMeasures } from './measures.js';
export {
  LIP_LINE_PX,
  MOUTH_THRESHOLDS,
  type MouthAppearance,
  type MouthThresholds,
  mouthAppearance,
} from './mouth.js';
export { CANONICAL_IOD, eyeCentres, interOcular, type NormalizedMesh, normalizeMesh } from './normalize.js';
export { type HeadPose, headPose, poseRotation } from './pose.js';
export { MeshStudent, STUDENT_DIR, type StudentCard } from './student.js';
