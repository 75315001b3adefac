/**
 * The detect stage's browser face: the pure part of detection (the mesh detector over the inference
 * interface, alignment, tracking, the detect/follow step) without the Node runtimes of `index.ts`.
 */
export { type Affine, alignFace, warpAffine, warpAffineInto } from './align.js';
export type { FaceDetector } from './detector.js';
export { createMeshDetector, type DetectorSessions, type MeshDetectorConfig } from './mesh-detector.js';
export { DetectStep, type DetectStepConfig } from './step.js';
