/**
 * The attention signals stage: FrameAus in, the same frames out with every AU sample carrying its face's
 * attention reading (head pose from the mesh fit the estimator already made, gaze, eyes, mouth, faces in view).
 * Per-track state lives in `AttentionTracks` and goes when the track ends. Synchronous and in order.
 */
import { defer, map, type OperatorFunction } from 'rxjs';
import type { AttentionConfig } from '../config/index.js';
import type { FrameAus } from '../types.js';
import { attentionOptions, withAttention } from './reading.js';
import { AttentionTracks } from './track.js';

export { attentionOptions, withAttention } from './reading.js';

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
