/**
 * The classify stage's browser face: the mesh AU estimator and its crop networks over the inference interface
 * (pure), without the Node runtime and file loading of `index.ts`.
 */
export { boundedAus } from './bounds.js';
export type { AuEstimator } from './estimator.js';
export { type BaselineOptions, DEFAULT_BASELINE } from './mesh/baseline.js';
export { CropNet, type CropNetKind } from './mesh/crop-net.js';
export { MeshAuEstimator, type MeshEstimatorOptions, meshAus } from './mesh/estimator.js';
export { EXPRESSIONS_KIND, ExpressionNet, type Expressions } from './mesh/expression-net.js';
export { LANDMARKS68_KIND, LandmarkNet } from './mesh/landmark-net.js';
export { normalizeMeshOnce } from './mesh/normalize.js';
export { type HeadPose, headPose } from './mesh/pose.js';
export { StudentNet } from './mesh/student-net.js';
