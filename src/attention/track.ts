/**
 * One face track's attention state: eyes (blinks, closures, PERCLOS, blink rate), yawns, and the frame's
 * reading as it travels in the AU sample. Pure: time is the frames' `ptsMs`. A signal that cannot be measured
 * on a frame is left out of the reading, never NaN.
 */
import type { AttentionReading, Box } from '../types.js';
import { type EyeOptions, EyeTracker, eyeAspect, perclos } from './eyes.js';
import {
  type Gaze,
  irisOffsets,
  mouthOpening,
  offScreenRatio,
  type PoseDeg,
  type ScreenCone,
} from './signals.js';

export interface AttentionTrackOptions {
  readonly cone: ScreenCone;
  readonly eyes: EyeOptions;
  /** Window of PERCLOS and of the blink rate. */
  readonly perclosWindowMs: number;
  readonly yawnMouthOpen: number;
  readonly yawnMaxSmile: number;
  readonly yawnMinMs: number;
}

/** What the stage knows of one face on one frame. */
export interface FaceInput {
  readonly ptsMs: number;
  /** Pose-normalised mesh points (`normalizeMesh(mesh).pts`) and their count (468 or 478). */
  readonly pts: ArrayLike<number>;
  readonly count: number;
  readonly pose: PoseDeg | undefined;
  /** The frame's AU12 probability (a smile makes an open mouth a laugh, not a yawn); undefined if not measured. */
  readonly au12: number | undefined;
  /** Faces in view in this frame of the stream. */
  readonly faces: number;
}

const r = (x: number, k: number) => Math.round(x * k) / k;
const finite = (...xs: number[]) => xs.every(Number.isFinite);

export class AttentionTrack {
  private readonly eyes: EyeTracker;
  private readonly closedHistory: { ptsMs: number; closed: boolean }[] = [];
  private readonly blinkTimes: number[] = [];
  private firstMs: number | undefined;
  private mouthSince: number | undefined;
  private yawning = false;
  private yawnCount = 0;
  lastPtsMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: AttentionTrackOptions) {
    this.eyes = new EyeTracker(o.eyes);
  }

  update(f: FaceInput): AttentionReading {
    this.firstMs ??= f.ptsMs;
    this.lastPtsMs = f.ptsMs;
    const out: { -readonly [K in keyof AttentionReading]: AttentionReading[K] } = { faces: f.faces };
    if (f.pose && finite(f.pose.yaw, f.pose.pitch, f.pose.roll)) {
      out.pose = { yaw: r(f.pose.yaw, 10), pitch: r(f.pose.pitch, 10), roll: r(f.pose.roll, 10) };
      const gaze: Gaze | undefined = irisOffsets(f.pts, f.count);
      if (gaze) {
        const g = (o: { x: number; y: number }) => ({ x: r(o.x, 1000), y: r(o.y, 1000) });
        out.gaze = { right: g(gaze.right), left: g(gaze.left) };
      }
      const off = offScreenRatio(f.pose, gaze, this.o.cone);
      if (Number.isFinite(off)) {
        out.offScreen = r(off, 1000);
        out.onScreen = off <= 1;
      }
    }
    const eyes = this.eyesReading(f);
    if (eyes) out.eyes = eyes;
    const mouth = this.mouthReading(f);
    if (mouth) out.mouth = mouth;
    return out;
  }

  private eyesReading(f: FaceInput): AttentionReading['eyes'] {
    const ar = eyeAspect(f.pts, 'right');
    const al = eyeAspect(f.pts, 'left');
    if (!finite(ar, al)) return undefined;
    const mean = (ar + al) / 2;
    const s = this.eyes.update(f.ptsMs, mean);
    const ref = s.reference;
    if (!Number.isFinite(s.openness) || !(ref > 0)) return undefined;
    const w = this.o.perclosWindowMs;
    this.closedHistory.push({ ptsMs: f.ptsMs, closed: s.closed });
    while ((this.closedHistory[0] as { ptsMs: number }).ptsMs < f.ptsMs - w) this.closedHistory.shift();
    if (s.ended?.blink) this.blinkTimes.push(f.ptsMs);
    while (this.blinkTimes.length && (this.blinkTimes[0] as number) < f.ptsMs - w) this.blinkTimes.shift();
    // Blinks per minute over the part of the window the track has existed (at least 1 s, so one blink is not 60/min).
    const spanMs = Math.max(1000, Math.min(w, f.ptsMs - (this.firstMs as number)));
    return {
      right: r(ar / ref, 1000),
      left: r(al / ref, 1000),
      openness: r(s.openness, 1000),
      closed: s.closed,
      blinks: s.blinks,
      blinkRate: r((this.blinkTimes.length * 60_000) / spanMs, 10),
      closedMs: Math.round(s.closedMs),
      perclos: r(perclos(this.closedHistory, w), 1000),
    };
  }

  private mouthReading(f: FaceInput): AttentionReading['mouth'] {
    const open = mouthOpening(f.pts);
    if (!Number.isFinite(open)) return undefined;
    const smiling = f.au12 !== undefined && Number.isFinite(f.au12) && f.au12 >= this.o.yawnMaxSmile;
    // Hysteresis: an opening yawn must reach yawnMouthOpen; once open it holds down to 3/4 of it.
    const need = this.mouthSince === undefined ? this.o.yawnMouthOpen : 0.75 * this.o.yawnMouthOpen;
    const wide = open >= need && !smiling;
    if (wide) {
      this.mouthSince ??= f.ptsMs;
      if (!this.yawning && f.ptsMs - this.mouthSince >= this.o.yawnMinMs) this.yawning = true;
    } else {
      if (this.yawning) this.yawnCount++;
      this.yawning = false;
      this.mouthSince = undefined;
    }
    return { open: r(open, 1000), yawning: this.yawning, yawns: this.yawnCount };
  }
}

/** Overlap of two boxes over their union (0 when either is empty). */
function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  return (w * h) / (a.w * a.h + b.w * b.h - w * h);
}

interface Parked {
  readonly streamId: string;
  readonly track: AttentionTrack;
  readonly box: Box;
}

/** A re-found face takes over an ended track's state when their boxes overlap at least this much. */
export const ATTENTION_REFIND_IOU = 0.3;
const PARKED_MAX = 256;

/**
 * Tracks of every stream, keyed by stream and track. Like the AU baselines (classify/mesh/baseline.ts), a track
 * that ends is parked for `gapMs` of its stream's time, and a new track starting where it was takes its state
 * over (the tracker lost the face for a moment): the eye reference, blink counts and PERCLOS history go on.
 */
export class AttentionTracks {
  private readonly tracks = new Map<string, { track: AttentionTrack; box?: Box }>();
  private parked: Parked[] = [];
  constructor(
    private readonly o: AttentionTrackOptions,
    private readonly gapMs = 3_000,
  ) {}

  get(streamId: string, trackId: number, ptsMs = 0, box?: Box): AttentionTrack {
    const key = `${streamId}/${trackId}`;
    let t = this.tracks.get(key);
    if (!t) {
      t = { track: this.adopt(streamId, ptsMs, box) ?? new AttentionTrack(this.o) };
      this.tracks.set(key, t);
    }
    if (box) t.box = box;
    return t.track;
  }

  end(streamId: string, trackId: number): void {
    const key = `${streamId}/${trackId}`;
    const t = this.tracks.get(key);
    this.tracks.delete(key);
    if (!t?.box) return;
    this.parked.push({ streamId, track: t.track, box: t.box });
    if (this.parked.length > PARKED_MAX) this.parked.shift();
  }

  get size(): number {
    return this.tracks.size;
  }

  get parkedCount(): number {
    return this.parked.length;
  }

  private adopt(streamId: string, ptsMs: number, box: Box | undefined): AttentionTrack | undefined {
    this.parked = this.parked.filter(
      (p) =>
        p.streamId !== streamId || (ptsMs >= p.track.lastPtsMs && ptsMs - p.track.lastPtsMs <= this.gapMs),
    );
    if (!box) return undefined;
    let best = -1;
    let bestIou = ATTENTION_REFIND_IOU;
    this.parked.forEach((p, i) => {
      if (p.streamId !== streamId) return;
      const o = iou(box, p.box);
      if (o >= bestIou) {
        bestIou = o;
        best = i;
      }
    });
    if (best < 0) return undefined;
    const [p] = this.parked.splice(best, 1);
    return p?.track;
  }
}
