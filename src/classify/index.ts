/** The classify stage's public face: estimators, the shared batcher, the stage operator (metrics are src/eval/). */
export {
  AuBatcher,
  type BatcherOptions,
  type BatcherStats,
  type BatchResult,
  type Clock,
  systemClock,
} from './batcher.js';
export { boundedAus, boundedProbability, PROBABILITY_FLOOR } from './bounds.js';
export { auKeyOf, knownAlignmentTemplates, loadBundle, type ModelBundle, type ModelCard } from './bundle.js';
export { CnnEstimator } from './cnn.js';
export { type CreateEstimatorOptions, createEstimator } from './create.js';
export type { AuEstimator, CropSpec } from './estimator.js';
export { FusionEstimator, fuse } from './fusion.js';
export { percentile } from './latency.js';
// The mesh-geometry estimator's own public face (its folder is the mesh estimator's).
export * from './mesh/index.js';
export type { Provider } from './ort.js';
export { classifyFaces } from './stage.js';
