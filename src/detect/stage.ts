import { concat, concatMap, defer, type Observable, type OperatorFunction, of } from 'rxjs';
import type { Config } from '../config/index.js';
import {
  type FaceDetection,
  type FaceObservation,
  type Frame,
  type FrameFaces,
  SCHEMA_VERSION,
  type TrackEvent,
} from '../types.js';
import { alignFace } from './align.js';
import type { FaceDetector } from './detector.js';
import { thumbDiff, thumbnail } from './shot.js';
import {
  endAllTracks,
  initialTrackerState,
  type TrackerState,
  type TrackerUpdate,
  updateTracks,
} from './tracker.js';

type DetectCfg = Config['detect'];

/**
 * The detect stage: faces, track ids, aligned crops and track start/end per frame, in frame order.
 * The full detector runs on every `cfg.every`-th frame and at each cut (see `cutThreshold`). In between,
 * the detector's `follow` re-runs only the mesh model around last frame's faces. Measured (bench/detect.ts,
 * 640x480, every 3): holding the last mesh costs least but is off by ~9 px on a face moving ~9 px/frame,
 * while follow stays within ~1 px of running the detector on every frame at about 40% of its CPU time.
 * A detector without `follow` gets the hold behaviour.
 * Each frame is released as soon as its crops are cut. On completion a final FrameFaces (no faces, the
 * last frame's seq and time) ends every open track.
 */
export function detectAndTrack(detector: FaceDetector, cfg: DetectCfg): OperatorFunction<Frame, FrameFaces> {
  return (source) =>
    defer(() => {
      const opts = { minIou: cfg.minIou, graceFrames: cfg.trackGraceFrames };
      let state: TrackerState = initialTrackerState;
      let sinceDetect = Number.POSITIVE_INFINITY;
      let last: FaceDetection[] = [];
      let prevThumb: Uint8Array | null = null;
      let lastMeta: FrameMeta | null = null; // metadata only: the frame's pixels go back to the pool

      const events = (frame: FrameMeta, upd: TrackerUpdate, ptsMs: number): TrackEvent[] => [
        ...upd.ended.map((e) => trackEvent(frame.streamId, 'end', e.id, e.lastPtsMs)),
        ...upd.started.map((id) => trackEvent(frame.streamId, 'start', id, ptsMs)),
      ];

      const step = async (frame: Frame): Promise<FrameFaces> => {
        try {
          lastMeta = meta(frame);
          const thumb = thumbnail(frame);
          const cut =
            cfg.cutThreshold > 0 && prevThumb !== null && thumbDiff(prevThumb, thumb) > cfg.cutThreshold;
          prevThumb = thumb;
          const tracks: TrackEvent[] = [];
          if (cut) {
            const ended = endAllTracks(state);
            state = ended.state;
            tracks.push(...events(frame, ended, frame.ptsMs));
          }
          const full = cut || sinceDetect + 1 >= cfg.every;
          let dets: FaceDetection[];
          if (full) dets = await detector.detect(frame);
          else if (detector.follow) dets = last.length ? await detector.follow(frame, last) : [];
          else dets = last;
          sinceDetect = full ? 0 : sinceDetect + 1;
          last = dets;
          const upd = updateTracks(
            state,
            dets.map((d) => d.box),
            frame.ptsMs,
            opts,
          );
          state = upd.state;
          tracks.push(...events(frame, upd, frame.ptsMs));
          const faces: FaceObservation[] = dets.map((d, i) => ({
            streamId: frame.streamId,
            seq: frame.seq,
            ptsMs: frame.ptsMs,
            decodedAt: frame.decodedAt,
            trackId: upd.ids[i]!,
            box: d.box,
            score: d.score,
            mesh: d.mesh,
            detected: full,
            crop: alignFace(frame, d.mesh, cfg.cropSize),
          }));
          return frameFaces(frame, faces, tracks);
        } finally {
          frame.release();
        }
      };

      const finish = (): Observable<FrameFaces> => {
        const f = lastMeta;
        if (!f || state.tracks.length === 0) return of();
        const ended = endAllTracks(state);
        state = ended.state;
        return of(frameFaces(f, [], events(f, ended, f.ptsMs)));
      };

      return concat(source.pipe(concatMap(step)), defer(finish));
    });
}

function trackEvent(streamId: string, phase: 'start' | 'end', trackId: number, ptsMs: number): TrackEvent {
  return { v: SCHEMA_VERSION, type: 'track', phase, streamId, trackId, ptsMs };
}

type FrameMeta = Pick<Frame, 'streamId' | 'seq' | 'ptsMs' | 'decodedAt' | 'width' | 'height'>;

function meta(f: Frame): FrameMeta {
  return {
    streamId: f.streamId,
    seq: f.seq,
    ptsMs: f.ptsMs,
    decodedAt: f.decodedAt,
    width: f.width,
    height: f.height,
  };
}

function frameFaces(frame: FrameMeta, faces: FaceObservation[], tracks: TrackEvent[]): FrameFaces {
  return {
    streamId: frame.streamId,
    seq: frame.seq,
    ptsMs: frame.ptsMs,
    decodedAt: frame.decodedAt,
    width: frame.width,
    height: frame.height,
    faces,
    tracks,
  };
}
