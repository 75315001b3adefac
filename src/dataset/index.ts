/** The dataset stage's public face: prepared-dataset format, pseudo-labelled real faces, DISFA, yardstick. */
export { applyPhoto, cutPatch, drawPatchParams, drawPhotoParams, seededRandom } from './augment.js';
export { photoDetectConfig, runDatasetPrepareDisfa, runDatasetPseudo, yardstickFaces } from './commands.js';
export { type ContactSheetOptions, writeContactSheet } from './contact.js';
export {
  DatasetError,
  type DisfaOptions,
  type DisfaReport,
  parseDisfaLabels,
  prepareDisfa,
} from './disfa.js';
export { findFaces } from './faces.js';
export {
  DATASET_FORMAT,
  DATASET_VERSION,
  type Dataset,
  type DatasetMeta,
  type DatasetRow,
  DatasetWriter,
  formatLabelsCsv,
  LABEL_COLUMNS,
  type LabelKind,
  parseLabelsCsv,
  readCrop,
  readDataset,
  writeDataset,
} from './format.js';
export {
  displacementField,
  type Handle,
  type MeshWarp,
  WARP_KINDS,
  type WarpKind,
  warpFace,
  warpHandles,
  warpImage,
} from './mesh-warp.js';
export {
  buildPseudoDataset,
  faceIds,
  type KnownFace,
  type Labeller,
  type PseudoOptions,
  type PseudoReport,
} from './pseudo.js';
export { availablePhotos, OFFLINE_PHOTOS, type PhotoSource } from './sources.js';
export { subjectFolds } from './splits.js';
export {
  type AuScore,
  auc,
  f1,
  type LabelledFace,
  loadYardstick,
  scoreYardstick,
  YARDSTICK_PATH,
  type Yardstick,
  yardstickTable,
} from './yardstick.js';
export {
  SUBSETS,
  type SubsetScores,
  subsetTable,
  type YardstickReport,
  yardstickObservations,
  yardstickReport,
} from './yardstick-report.js';
