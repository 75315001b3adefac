/**
 * The attention signals stage: FrameAus in, the same frames out with every AU sample carrying its face's
 * attention reading (head pose from the mesh fit the estimator already made, gaze, eyes, mouth, faces in view).
 * Per-track state lives in `AttentionTracks` and goes when the track ends. Synchronous and in order.
 */
import { defer, map, type OperatorFunction } from 'rxjs';
import { headPose, normalizeMeshOnce } from '../classify/index.js';
import type { AttentionConfig } from '../config/index.js';
import type { AuSample, FaceObservation, FrameAus } from '../types.js';
import { DEFAULT_EYES } from './eyes.js';
import { type AttentionTrackOptions, AttentionTracks } from './track.js';

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

export function attentionSignals(cfg: AttentionConfig): OperatorFunction<FrameAus, FrameAus> {
  return (source) =>
    !cfg.enabled
      ? source
      : defer(() => {
          const tracks = new AttentionTracks(attentionOptions(cfg));
          return source.pipe(
            map((f): FrameAus => {
              const byTrack = new Map(f.faces.map((face) => [face.trackId, face]));
              const samples = f.samples.map((s) => {
                const face = byTrack.get(s.trackId);
                return face ? withAttention(tracks, s, face, f.faces.length) : s;
              });
              for (const t of f.tracks) if (t.phase === 'end') tracks.end(t.streamId, t.trackId);
              return { ...f, samples };
            }),
          );
        });
}
