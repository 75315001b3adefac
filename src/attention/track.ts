/**
 * One face track's attention state: eyes (blinks, closures, PERCLOS, blink rate), yawns, and the frame's
 * reading as it travels in the AU sample. Pure: time is the frames' `ptsMs`. A signal that cannot be measured
 * on a frame is left out of the reading, never NaN.
 */
import type { AttentionReading } from '../types.js';
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

/** Tracks of every stream, keyed by stream and track; a track's state goes when its track ends. */
export class AttentionTracks {
  private readonly tracks = new Map<string, AttentionTrack>();
  constructor(private readonly o: AttentionTrackOptions) {}

  get(streamId: string, trackId: number): AttentionTrack {
    const key = `${streamId}/${trackId}`;
    let t = this.tracks.get(key);
    if (!t) {
      t = new AttentionTrack(this.o);
      this.tracks.set(key, t);
    }
    return t;
  }

  end(streamId: string, trackId: number): void {
    this.tracks.delete(`${streamId}/${trackId}`);
  }

  get size(): number {
    return this.tracks.size;
  }
}
