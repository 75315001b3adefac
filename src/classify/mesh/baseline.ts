/**
 * Person-specific normalisation (OpenFace 2.0, Baltrušaitis et al. 2015: subtract each person's running
 * median of the features). Each track keeps a sliding window of its raw measures; the median of the window is
 * that person's neutral for the AUs whose measure is mostly anatomy on a single frame (brow height over the
 * eyes, lid and lip-corner positions). The AUs with a physical zero or appearance evidence (AU6 and AU12 with
 * the expression net, AU25 and AU26: closed lips) stay absolute, so a person who smiles or talks most of the
 * time is not normalised into neutral. Pure: time is the frames' own `ptsMs`, never a clock.
 */
import type { AuKey, Box } from '../../types.js';
import type { AuCalibration } from './calibration.js';
import type { AuMeasures } from './measures.js';

export interface BaselineOptions {
  /** Span of a track's recent frames its neutral is the median of. */
  readonly windowMs: number;
  /** At most one frame per this many ms enters the window (bounds memory and cost: 300 samples at 60 s). */
  readonly sampleEveryMs: number;
  /** Span of samples after which the person's neutral is fully trusted; before, it is blended with the canonical one. */
  readonly warmupMs: number;
  /** A track that ends is kept this long; a new track of the same stream where it was takes it over. */
  readonly gapMs: number;
}

export const DEFAULT_BASELINE: BaselineOptions = {
  windowMs: 60_000,
  sampleEveryMs: 200,
  warmupMs: 4_000,
  gapMs: 3_000,
};

/** AUs read against the person's own neutral once it is warm; the others stay against the canonical face. */
export const RELATIVE_AUS = [
  'AU1',
  'AU2',
  'AU4',
  'AU5',
  'AU9',
  'AU15',
  'AU17',
  'AU20',
] as const satisfies readonly AuKey[];

/** Median of a list (not modified); NaN for an empty one. */
export function median(values: readonly number[]): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = n >> 1;
  return n % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** How far the person's neutral is trusted, from the time its samples span: 0 at the first frame, 1 at `warmupMs`. */
export function warmupWeight(spanMs: number, warmupMs: number): number {
  if (warmupMs <= 0) return 1;
  return Math.min(1, Math.max(0, spanMs / warmupMs));
}

/** The neutral reference: canonical for absolute AUs, canonical + w·(person − canonical) for the relative ones. */
export function blendNeutral(
  canonical: AuMeasures,
  person: AuMeasures | null,
  w: number,
  relative: readonly AuKey[] = RELATIVE_AUS,
): AuMeasures {
  if (!person || w <= 0) return canonical;
  const out: Record<AuKey, number> = { ...canonical };
  for (const k of relative) out[k] = canonical[k] + w * (person[k] - canonical[k]);
  return out;
}

/** Calibration moved from the absolute one toward the person-relative one by the warm-up weight. */
export function blendCalibration(
  absolute: Readonly<Record<AuKey, AuCalibration>>,
  relative: Readonly<Partial<Record<AuKey, AuCalibration>>>,
  w: number,
): Readonly<Record<AuKey, AuCalibration>> {
  if (w <= 0) return absolute;
  const out: Record<AuKey, AuCalibration> = { ...absolute };
  for (const [k, r] of Object.entries(relative) as [AuKey, AuCalibration][]) {
    const a = absolute[k];
    out[k] = {
      centre: a.centre + w * (r.centre - a.centre),
      scale: a.scale + w * (r.scale - a.scale),
      confidence: w >= 1 ? r.confidence : a.confidence,
    };
  }
  return out;
}

/** One track's window of raw measures. */
export class TrackBaseline {
  private readonly times: number[] = [];
  private readonly rows: Readonly<Record<AuKey, number>>[] = [];
  private cached: AuMeasures | null = null;
  lastPtsMs = Number.NEGATIVE_INFINITY;
  lastBox: Box | undefined;

  constructor(private readonly opts: BaselineOptions = DEFAULT_BASELINE) {}

  /** Adds a frame's raw measures (at most one per `sampleEveryMs`); frames older than the window fall out. */
  add(ptsMs: number, raw: Readonly<Record<AuKey, number>>, box?: Box): void {
    if (box) this.lastBox = box;
    this.lastPtsMs = Math.max(this.lastPtsMs, ptsMs);
    const last = this.times[this.times.length - 1];
    if (last !== undefined && ptsMs - last < this.opts.sampleEveryMs) return;
    if (!Object.values(raw).every(Number.isFinite)) return;
    this.times.push(ptsMs);
    this.rows.push(raw);
    while ((this.times[0] as number) < ptsMs - this.opts.windowMs) {
      this.times.shift();
      this.rows.shift();
    }
    this.cached = null;
  }

  /** Samples in the window. */
  get size(): number {
    return this.rows.length;
  }

  /** Warm-up weight of this track's neutral (`warmupWeight` over the span its samples cover). */
  weight(): number {
    const n = this.times.length;
    if (n < 2) return 0;
    return warmupWeight((this.times[n - 1] as number) - (this.times[0] as number), this.opts.warmupMs);
  }

  /** The person's neutral: the window's median per AU (null before the first sample). */
  neutral(): AuMeasures | null {
    if (this.rows.length === 0) return null;
    if (!this.cached) {
      const out = {} as Record<AuKey, number>;
      for (const k of Object.keys(this.rows[0] as object) as AuKey[])
        out[k] = median(this.rows.map((r) => r[k]));
      this.cached = out;
    }
    return this.cached;
  }
}

/** Overlap of two boxes over their union (0 when either is empty). */
export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const i = w * h;
  return i / (a.w * a.h + b.w * b.h - i);
}

/** A re-found face takes over an ended track's baseline when their boxes overlap at least this much. */
export const REFIND_IOU = 0.3;
/** Ended tracks kept per store at most (oldest dropped first). */
const PARKED_MAX = 1024;

interface Parked {
  readonly streamId: string;
  readonly baseline: TrackBaseline;
}

/**
 * Baselines of every live track, keyed by stream and track, plus the recently ended ones: a track that ends is
 * parked for `gapMs` (of its stream's time) and a new track starting where it was within that time inherits it
 * (the tracker lost the face for a moment, or it was briefly hidden). Owned by the classify stage's estimator.
 */
export class BaselineStore {
  private readonly live = new Map<string, TrackBaseline>();
  private parked: Parked[] = [];

  constructor(readonly opts: BaselineOptions = DEFAULT_BASELINE) {}

  /** The track's baseline after adding this frame's raw measures. */
  observe(
    streamId: string,
    trackId: number,
    ptsMs: number,
    raw: Readonly<Record<AuKey, number>>,
    box?: Box,
  ): TrackBaseline {
    const key = `${streamId}/${trackId}`;
    let b = this.live.get(key);
    if (!b) {
      b = this.adopt(streamId, ptsMs, box) ?? new TrackBaseline(this.opts);
      this.live.set(key, b);
    }
    b.add(ptsMs, raw, box);
    return b;
  }

  /** A track ended: park its baseline for a re-found face to take over. */
  end(streamId: string, trackId: number): void {
    const key = `${streamId}/${trackId}`;
    const b = this.live.get(key);
    if (!b) return;
    this.live.delete(key);
    if (b.size === 0) return;
    this.parked.push({ streamId, baseline: b });
    if (this.parked.length > PARKED_MAX) this.parked.shift();
  }

  /** Live tracks and parked baselines (for tests and metrics). */
  get counts(): { live: number; parked: number } {
    return { live: this.live.size, parked: this.parked.length };
  }

  clear(): void {
    this.live.clear();
    this.parked = [];
  }

  private adopt(streamId: string, ptsMs: number, box: Box | undefined): TrackBaseline | undefined {
    const gap = this.opts.gapMs;
    // Forget this stream's parked baselines that are too old to be re-found.
    this.parked = this.parked.filter((p) => p.streamId !== streamId || ptsMs - p.baseline.lastPtsMs <= gap);
    if (!box) return undefined;
    let best = -1;
    let bestIou = REFIND_IOU;
    this.parked.forEach((p, i) => {
      if (p.streamId !== streamId || !p.baseline.lastBox || ptsMs < p.baseline.lastPtsMs) return;
      const o = iou(box, p.baseline.lastBox);
      if (o >= bestIou) {
        bestIou = o;
        best = i;
      }
    });
    if (best < 0) return undefined;
    const [p] = this.parked.splice(best, 1);
    return p?.baseline;
  }
}
