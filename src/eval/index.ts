/**
 * Evaluation's public face: binary metrics (one `auc`), subject-independent folds (one `subjectFolds`,
 * shared with the trainer through config/folds/vectors.json), set and fold reports, scoring on the
 * hand-labelled yardstick, and the `aupipe eval` runner.
 */
export { subjectFolds } from './folds.js';
export {
  type FrameAuScore,
  type FrameLabels,
  type FrameScores,
  formatFrameScores,
  frameLabelsSchema,
  nearestSample,
  scoreFrames,
  type TimedAus,
} from './frames.js';
export { auc, type BinaryMetrics, binaryMetrics, meanFinite, prf } from './metrics.js';
export {
  type AuReport,
  type FoldReport,
  formatTable,
  type MeanReport,
  type ReportOptions,
  type ScoredRow,
  type SetReport,
  scoreFolds,
  scoreSet,
} from './report.js';
export {
  type EvalReport,
  type EvaluateOptions,
  evaluate,
  formatReport,
  padEdge,
  upscale,
  yardstickLabels,
} from './runner.js';
export { type AuScore, scoreYardstick, yardstickTable } from './yardstick.js';
export { type RedetectedFace, redetectYardstick } from './yardstick-meshes.js';
export {
  meshEstimatorScores,
  SUBSETS,
  type SubsetScores,
  subsetTable,
  type YardstickReport,
  yardstickObservations,
  yardstickReport,
} from './yardstick-report.js';
export { codeKey, decodeLabels, mergeAnnotator, shuffled, writeSheets } from './yardstick-sheets.js';
