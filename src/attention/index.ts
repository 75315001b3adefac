/** Public face of the attention stage: per-face signals into the AU samples, attention events. */

export { AttentionEventEngine, STREAM_KINDS, TRACK_KINDS, trackScore } from './events.js';
export { attentionEvents } from './events-stage.js';
export {
  DEFAULT_EYES,
  type EyeOptions,
  type EyeState,
  EyeTracker,
  eyeAspect,
  perclos,
  quantile,
} from './eyes.js';
export {
  type Gaze,
  gazeAngles,
  type IrisOffset,
  irisOffsets,
  mouthOpening,
  offScreenRatio,
  type PoseDeg,
  type ScreenCone,
} from './signals.js';
export { attentionOptions, attentionSignals, withAttention } from './stage.js';
export {
  ATTENTION_REFIND_IOU,
  AttentionTrack,
  type AttentionTrackOptions,
  AttentionTracks,
  type FaceInput,
} from './track.js';
