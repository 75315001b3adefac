export { type AuCalibration, MESH_CALIBRATION } from './calibration.js';
export {
  MeshAuEstimator,
  MeshAuEstimator as MeshEstimator,
  type MeshAuOptions,
  type MeshEstimatorOptions,
  MOUTH_OPEN_WEIGHT,
  meshAus,
  meshMeasures,
  NeutralBaseline,
} from './estimator.js';
export { type AuMeasures, CANONICAL_MEASURES, rawMeasures } from './measures.js';
export { MOUTH_THRESHOLDS, type MouthAppearance, type MouthThresholds, mouthAppearance } from './mouth.js';
export { eyeCentres, interOcular, type NormalizedMesh, normalizeMesh } from './normalize.js';
