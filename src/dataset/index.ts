/** The dataset stage's public face: prepared-dataset format, pseudo-labelled real faces, DISFA, the hand-labelled faces. */
export { applyPhoto, cutPatch, drawPatchParams, drawPhotoParams, seededRandom } from './augment.js';
export { photoDetectConfig, runDatasetPrepareDisfa, runDatasetPseudo, yardstickFaces } from './commands.js';
export { blit, type ContactSheetOptions, drawText, writeContactSheet } from './contact.js';
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
  type AuLabels,
  agreedLabels,
  annotationsOf,
  boxOf,
  consensusLabels,
  type LabelledFace,
  loadYardstick,
  resolveImage,
  YARDSTICK_PATH,
  type Yardstick,
} from './hand-labels.js';
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
export { faceApiExpressions } from './peers.js';
export {
  buildPseudoDataset,
  faceIds,
  type KnownFace,
  type Labeller,
  type PseudoOptions,
  type PseudoReport,
} from './pseudo.js';
export { availablePhotos, OFFLINE_PHOTOS, type PhotoSource } from './sources.js';
