import { concatMap, from, map, type OperatorFunction } from 'rxjs';
import { type AuSample, type FrameAus, type FrameFaces, SCHEMA_VERSION } from '../types.js';
import type { AuBatcher } from './batcher.js';
import { boundedAus } from './bounds.js';

/**
 * The classify stage: every face of a frame goes to the shared batcher as soon as the frame arrives
 * (so faces of consecutive frames and of other streams share batches), and frames come out in arrival
 * order with one `AuSample` per face that was not dropped by backpressure (drops are counted by the
 * batcher). An estimator error errors the stream. A track's end event reaches the estimator's `endTrack`
 * once that frame's results are out (every earlier face of the track has been estimated by then).
 * Published probabilities are bounded to [0.01, 0.99] (`bounds.ts`).
 */
export function classifyFaces(batcher: AuBatcher): OperatorFunction<FrameFaces, FrameAus> {
  const model = batcher.estimator.name;
  const est = batcher.estimator;
  return (source) =>
    source.pipe(
      // map subscribes eagerly: submission happens on arrival; concatMap only orders the output.
      map((frame) => {
        const p = Promise.all(frame.faces.map((f) => batcher.submit(f))).then((res) => ({ frame, res }));
        p.catch(() => undefined); // handled by concatMap later; keeps Node from flagging it meanwhile
        return p;
      }),
      concatMap((p) => from(p)),
      map(({ frame, res }): FrameAus => {
        const samples: AuSample[] = [];
        frame.faces.forEach((f, i) => {
          const au = res[i];
          if (!au) return;
          samples.push({
            v: SCHEMA_VERSION,
            type: 'au',
            streamId: f.streamId,
            trackId: f.trackId,
            seq: f.seq,
            ptsMs: f.ptsMs,
            au: boundedAus(au),
            model,
            decodedAt: f.decodedAt,
          });
        });
        for (const t of frame.tracks) if (t.phase === 'end') est.endTrack?.(t.streamId, t.trackId);
        return { ...frame, samples };
      }),
    );
}
