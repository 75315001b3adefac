/**
 * Eyes for attention (issue #19): an openness measure per eye on the pose-normalised mesh, and per track a blink
 * and eye-closure detector against that person's own open-eye reference. Pure; time is the frames' `ptsMs`.
 *
 * Openness is the eye aspect ratio (Soukupová & Čech 2016): the two lid-to-lid distances over twice the corner
 * distance, on MediaPipe's 468 points after `normalizeMesh` (so a turned head does not read as a narrow eye).
 * Measured on real video (`eyes_winks_gaze.mp4`, 30 fps): 0.33-0.38 open, 0.14-0.20 at the bottom of a blink;
 * the face mesh never closes the lids fully and moves both eyes together (a wink reads as a blink).
 */

/** [outer corner, upper lid 1, upper lid 2, inner corner, lower lid 2, lower lid 1] per eye, MediaPipe ids. */
const EYE_POINTS = {
  right: [33, 160, 158, 133, 153, 144],
  left: [263, 387, 385, 362, 380, 373],
} as const;

/** Eye aspect ratio of one eye (the subject's own right or left) of a normalised mesh (xyz interleaved). */
export function eyeAspect(p: ArrayLike<number>, side: 'right' | 'left'): number {
  const [p1, p2, p3, p4, p5, p6] = EYE_POINTS[side];
  const d = (a: number, b: number): number =>
    Math.hypot(
      (p[a * 3] as number) - (p[b * 3] as number),
      (p[a * 3 + 1] as number) - (p[b * 3 + 1] as number),
    );
  return (d(p2, p6) + d(p3, p5)) / (2 * d(p1, p4));
}

export interface EyeOptions {
  /** Window of the open-eye reference (its `openQuantile`), ms of stream time. */
  readonly windowMs: number;
  /** Quantile of the window taken as this person's open eye (high: blinks and glances down do not pull it). */
  readonly openQuantile: number;
  /** Closed when openness (aspect / reference) falls below this … */
  readonly closeRatio: number;
  /** … and open again once it rises above this (hysteresis). */
  readonly openRatio: number;
  /** A closure up to this long is a blink; a longer one is an eyes-closed episode. */
  readonly maxBlinkMs: number;
  /** Samples before the reference is trusted; until then nothing is called closed. */
  readonly minSamples: number;
}

export const DEFAULT_EYES: EyeOptions = {
  windowMs: 30_000,
  openQuantile: 0.9,
  closeRatio: 0.6,
  openRatio: 0.75,
  maxBlinkMs: 500,
  minSamples: 5,
};

/** One frame's eye reading for a track. */
export interface EyeState {
  /** Mean aspect of both eyes over this person's open reference: about 1 open, under `closeRatio` closed. */
  readonly openness: number;
  readonly closed: boolean;
  /** Blinks completed so far on this track. */
  readonly blinks: number;
  /** Set on the frame a closure ends: its length, and whether it counted as a blink. */
  readonly ended?: { readonly ms: number; readonly blink: boolean };
  /** How long the eyes have been closed at this frame (0 when open). */
  readonly closedMs: number;
  /** This person's open-eye aspect (the window's `openQuantile`); NaN before the first sample. */
  readonly reference: number;
}

/** q-quantile of a list by linear interpolation (not modified); NaN for an empty one. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const x = Math.min(1, Math.max(0, q)) * (s.length - 1);
  const i = Math.floor(x);
  const f = x - i;
  return (s[i] as number) + f * (((s[i + 1] ?? s[i]) as number) - (s[i] as number));
}

/** Blinks and closures of one track. */
export class EyeTracker {
  private readonly times: number[] = [];
  private readonly values: number[] = [];
  private closedSince: number | undefined;
  private blinkCount = 0;

  constructor(private readonly o: EyeOptions = DEFAULT_EYES) {}

  /** The frame's mean eye aspect (both eyes) at `ptsMs`; frames must come in time order. */
  update(ptsMs: number, aspect: number): EyeState {
    if (!Number.isFinite(aspect))
      return {
        openness: Number.NaN,
        closed: false,
        blinks: this.blinkCount,
        closedMs: 0,
        reference: Number.NaN,
      };
    this.times.push(ptsMs);
    this.values.push(aspect);
    while ((this.times[0] as number) < ptsMs - this.o.windowMs) {
      this.times.shift();
      this.values.shift();
    }
    const ref = quantile(this.values, this.o.openQuantile);
    const openness = ref > 0 ? aspect / ref : 1;
    const trusted = this.values.length >= this.o.minSamples;
    const wasClosed = this.closedSince !== undefined;
    const closed = trusted && (wasClosed ? openness < this.o.openRatio : openness < this.o.closeRatio);
    let ended: EyeState['ended'];
    if (closed && !wasClosed) this.closedSince = ptsMs;
    if (!closed && wasClosed) {
      const ms = ptsMs - (this.closedSince as number);
      const blink = ms <= this.o.maxBlinkMs;
      if (blink) this.blinkCount++;
      ended = { ms, blink };
      this.closedSince = undefined;
    }
    return {
      openness,
      closed,
      blinks: this.blinkCount,
      closedMs: closed ? ptsMs - (this.closedSince as number) : 0,
      reference: ref,
      ...(ended ? { ended } : {}),
    };
  }
}

/**
 * PERCLOS: the share of the last `windowMs` during which the eyes were closed, from a track's (ptsMs, closed)
 * history in time order; each frame counts until the next one. Pure.
 */
export function perclos(
  history: readonly { readonly ptsMs: number; readonly closed: boolean }[],
  windowMs: number,
): number {
  const n = history.length;
  if (n < 2) return 0;
  const end = (history[n - 1] as { ptsMs: number }).ptsMs;
  const start = end - windowMs;
  let closedMs = 0;
  let total = 0;
  for (let i = 0; i < n - 1; i++) {
    const a = history[i] as { ptsMs: number; closed: boolean };
    const b = history[i + 1] as { ptsMs: number };
    const t0 = Math.max(a.ptsMs, start);
    const dt = b.ptsMs - t0;
    if (dt <= 0) continue;
    total += dt;
    if (a.closed) closedMs += dt;
  }
  return total > 0 ? closedMs / total : 0;
}
