/**
 * The detect stage's per-frame step, pure and stateful per stream: the full detector on every `every`-th frame
 * and at each cut (`cutThreshold`), plus its scan for missed faces on every `scanEvery`-th full detection, the
 * detector's cheaper `follow` in between, the tracker's ids, start/end
 * events and each face's aligned crop. The RxJS operator (`stage.ts`) and the browser client both drive it,
 * so a stream is tracked the same way on the server and on the student's device.
 */
import type { Config } from '../config/index.js';
import { clockMs, stageTimer } from '../stage-timer.js';
import {
  type FaceDetection,
  type FaceObservation,
  type FrameFaces,
  type RgbImage,
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

export type DetectStepConfig = Pick<
  Config['detect'],
  'every' | 'cutThreshold' | 'minIou' | 'trackGraceFrames' | 'cropSize' | 'scanEvery'
>;

/** A frame's identity and pixels, without the pool's release (the caller owns the buffer). */
export interface StepFrame extends RgbImage {
  readonly streamId: string;
  readonly seq: number;
  readonly ptsMs: number;
  readonly decodedAt: number;
}

type FrameMeta = Omit<StepFrame, 'rgb'>;

export class DetectStep {
  private state: TrackerState = initialTrackerState;
  private sinceDetect = Number.POSITIVE_INFINITY;
  /** Full detections since the last scan (the first full detection, and the first after a cut, scan). */
  private sinceScan = Number.POSITIVE_INFINITY;
  /** Full detections between scans now: scanEvery while scans find faces, doubling up to SCAN_BACKOFF× when not. */
  private scanGap: number;
  private last: FaceDetection[] = [];
  private prevThumb: Uint8Array | null = null;
  /** Metadata only: the frame's pixels go back to their owner. */
  private lastMeta: FrameMeta | null = null;

  constructor(
    private readonly detector: FaceDetector,
    private readonly cfg: DetectStepConfig,
  ) {
    this.scanGap = cfg.scanEvery;
  }

  /** Faces, track ids, crops and track events of one frame. The frame's pixels are not kept. */
  async step(frame: StepFrame): Promise<FrameFaces> {
    const { cfg, detector } = this;
    const opts = { minIou: cfg.minIou, graceFrames: cfg.trackGraceFrames };
    const t = stageTimer();
    let t0 = t ? clockMs() : 0;
    this.lastMeta = meta(frame);
    const thumb = thumbnail(frame);
    const cut =
      cfg.cutThreshold > 0 && this.prevThumb !== null && thumbDiff(this.prevThumb, thumb) > cfg.cutThreshold;
    this.prevThumb = thumb;
    const tracks: TrackEvent[] = [];
    if (cut) {
      const ended = endAllTracks(this.state);
      this.state = ended.state;
      tracks.push(...events(frame, ended, frame.ptsMs));
    }
    const full = cut || this.sinceDetect + 1 >= cfg.every;
    if (t) t.add('track.shot', clockMs() - t0);
    let dets: FaceDetection[];
    if (cut) this.sinceScan = Number.POSITIVE_INFINITY;
    if (full) {
      dets = await detector.detect(frame);
      if (detector.scan && cfg.scanEvery > 0 && ++this.sinceScan >= this.scanGap) {
        this.sinceScan = 0;
        const more = await detector.scan(frame, dets);
        this.scanGap = nextScanGap(this.scanGap, more.length, cfg.scanEvery);
        if (more.length) dets = [...dets, ...more];
      }
    } else if (detector.follow) dets = this.last.length ? await detector.follow(frame, this.last) : [];
    else dets = this.last;
    this.sinceDetect = full ? 0 : this.sinceDetect + 1;
    this.last = dets;
    if (t) t0 = clockMs();
    const upd = updateTracks(
      this.state,
      dets.map((d) => d.box),
      frame.ptsMs,
      opts,
    );
    this.state = upd.state;
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
    if (t) t.add('track+align', clockMs() - t0, faces.length);
    return frameFaces(this.lastMeta, faces, tracks);
  }

  /** A final FrameFaces (no faces, the last frame's seq and time) that ends every open track, or null. */
  finish(): FrameFaces | null {
    const f = this.lastMeta;
    if (!f || this.state.tracks.length === 0) return null;
    const ended = endAllTracks(this.state);
    this.state = ended.state;
    return frameFaces(f, [], events(f, ended, f.ptsMs));
  }
}

/** How far the scan interval backs off (× scanEvery) while scans find nothing the detector missed. */
export const SCAN_BACKOFF = 4;

/**
 * The next scan interval in full detections: back to `every` when the scan found faces the detector missed
 * (they are seen only on scan frames, so the interval must stay under the tracker's grace), else doubled, up to
 * SCAN_BACKOFF × `every` (a webcam face the detector finds pays for one SSD pass in 4·every·detect.every frames).
 */
export function nextScanGap(gap: number, found: number, every: number): number {
  return found > 0 ? every : Math.min(gap * 2, every * SCAN_BACKOFF);
}

function events(frame: FrameMeta, upd: TrackerUpdate, ptsMs: number): TrackEvent[] {
  return [
    ...upd.ended.map((e) => trackEvent(frame.streamId, 'end', e.id, e.lastPtsMs)),
    ...upd.started.map((id) => trackEvent(frame.streamId, 'start', id, ptsMs)),
  ];
}

function trackEvent(streamId: string, phase: 'start' | 'end', trackId: number, ptsMs: number): TrackEvent {
  return { v: SCHEMA_VERSION, type: 'track', phase, streamId, trackId, ptsMs };
}

function meta(f: StepFrame): FrameMeta {
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
