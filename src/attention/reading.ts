/**
 * One face's attention reading, without RxJS: the stage's options from the config, and a sample with its
 * reading (head pose from the mesh fit the estimator already made, gaze, eyes, mouth, faces in view). Pure: the
 * server's stage and the browser client both use it.
 */
import { headPose, normalizeMeshOnce } from '../classify/browser.js';
import type { AttentionConfig } from '../config/index.js';
import type { AuSample, FaceObservation } from '../types.js';
import { DEFAULT_EYES } from './eyes.js';
import type { AttentionTrackOptions, AttentionTracks } from './track.js';

export function attentionOptions(cfg: AttentionConfig): AttentionTrackOptions {
  return {
    cone: {
      yawDeg: cfg.screenYawDeg,
      pitchDeg: cfg.screenPitchDeg,
      pitchOffsetDeg: cfg.screenPitchOffsetDeg,
      gazeDegPerUnit: cfg.gazeDegPerUnit,
    },
    eyes: {
      ...DEFAULT_EYES,
      windowMs: cfg.eyeWindowMs,
      closeRatio: cfg.eyeCloseRatio,
      openRatio: cfg.eyeOpenRatio,
      maxBlinkMs: cfg.maxBlinkMs,
    },
    perclosWindowMs: cfg.perclosWindowMs,
    yawnMouthOpen: cfg.yawnMouthOpen,
    yawnMaxSmile: cfg.yawnMaxSmile,
    yawnMinMs: cfg.yawnMinMs,
  };
}

/** One face's sample with its attention reading (the sample unchanged when its mesh cannot be fitted). */
export function withAttention(
  tracks: AttentionTracks,
  s: AuSample,
  face: FaceObservation,
  faces: number,
): AuSample {
  let n: ReturnType<typeof normalizeMeshOnce>;
  try {
    n = normalizeMeshOnce(face.mesh);
  } catch {
    return { ...s, attention: { faces } };
  }
  const pose = headPose(n.rotation);
  const attention = tracks.get(s.streamId, s.trackId, s.ptsMs, face.box).update({
    ptsMs: s.ptsMs,
    pts: n.pts,
    count: n.count,
    pose,
    au12: s.au.AU12,
    faces,
  });
  return { ...s, attention };
}
