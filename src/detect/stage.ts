import { concat, concatMap, defer, type Observable, type OperatorFunction, of } from 'rxjs';
import type { Config } from '../config/index.js';
import type { Frame, FrameFaces } from '../types.js';
import type { FaceDetector } from './detector.js';
import { DetectStep } from './step.js';

type DetectCfg = Config['detect'];

/**
 * The detect stage: faces, track ids, aligned crops and track start/end per frame, in frame order.
 * The full detector runs on every `cfg.every`-th frame and at each cut (see `cutThreshold`). In between,
 * the detector's `follow` re-runs only the mesh model around last frame's faces. Measured (bench/detect.ts,
 * 640x480, every 3): holding the last mesh costs least but is off by ~9 px on a face moving ~9 px/frame,
 * while follow stays within ~1 px of running the detector on every frame at about 40% of its CPU time.
 * A detector without `follow` gets the hold behaviour. The decisions are `DetectStep` (`step.ts`, pure),
 * which the browser client drives too.
 * Each frame is released as soon as its crops are cut. On completion a final FrameFaces (no faces, the
 * last frame's seq and time) ends every open track.
 */
export function detectAndTrack(detector: FaceDetector, cfg: DetectCfg): OperatorFunction<Frame, FrameFaces> {
  return (source) =>
    defer(() => {
      const step = new DetectStep(detector, cfg);
      const run = async (frame: Frame): Promise<FrameFaces> => {
        try {
          return await step.step(frame);
        } finally {
          frame.release();
        }
      };
      const finish = (): Observable<FrameFaces> => {
        const f = step.finish();
        return f ? of(f) : of();
      };
      return concat(source.pipe(concatMap(run)), defer(finish));
    });
}
