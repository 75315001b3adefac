/**
 * Engagement per student (docs/attention.md, "Engagement"): a heuristic built from measured parts, every part
 * published beside the score so a platform can use its own formula. Per track over a sliding window W (ending at
 * the publish time t; per track it starts no earlier than the track's first sample in it, per stream no earlier
 * than the stream's first frame). Face time credits each sample with the time since the previous one, capped at
 * gapGraceMs. Attention parts (from the AU samples' attention readings):
 *   presence       = face time in the window / window length                                    ∈ [0, 1]
 *   onScreen       = share of face time looking inside the screen cone   (absent when not measured)
 *   eyesOpen       = share of face time with the eyes open                (absent when not measured)
 * Affect parts (smoothed AU probabilities):
 *   expressiveness = min(1, mean over AUs of the std dev of smoothed p / scale)
 *   interest       = mean over face time of (AU1 + AU2) / 2 (inner + outer brow raiser)
 *   confusion      = share of face time with AU4 (brow lowerer) present ≥ sustainMs
 *   yawning        = share of face time yawning (the attention reading's yawn; without attention readings,
 *                    a jaw drop without a smile, min(AU26, 1 − AU12), present ≥ sustainMs)
 *   boredom        = max(yawning, (1 − expressiveness) · (1 − onScreen)): yawns, or a still face looking away
 * Score: the weighted mean of the positive parts that were measured, minus the weighted negatives, in [0, 1]:
 *   score = clamp01( Σ wₖ·cₖ / Σ wₖ  over k ∈ {presence, onScreen·presence, eyesOpen·presence, expressiveness,
 *                    interest}  −  wC·confusion − wB·boredom )
 * (onScreen and eyesOpen are shares of face time, so they count times presence: looking at the screen for the
 * half of the window one was there is half the credit.) Per stream: presence is the share of the window with at
 * least one face; the other parts are the face-time-weighted means of the tracks' (onScreen and eyesOpen over the
 * tracks that measured them); the score uses the same formula.
 */

export interface EngagementWeights {
  readonly presence: number;
  readonly onScreen: number;
  readonly eyesOpen: number;
  readonly expressiveness: number;
  readonly interest: number;
  readonly confusion: number;
  readonly boredom: number;
}

export interface EngagementComponents {
  readonly presence: number;
  readonly onScreen?: number;
  readonly eyesOpen?: number;
  readonly expressiveness: number;
  readonly interest: number;
  readonly confusion: number;
  readonly yawning: number;
  readonly boredom: number;
}

export interface WindowEntry {
  readonly tMs: number;
  /** Face time credited to this sample. */
  readonly dtMs: number;
  /** Smoothed AU probabilities in AU_KEYS order; NaN where the estimator gave none. */
  readonly au: Float64Array;
  readonly confused: boolean;
  readonly yawning: boolean;
  /** From the attention reading; undefined when it could not be measured on this frame. */
  readonly onScreen?: boolean;
  readonly eyesOpen?: boolean;
  /** (AU1 + AU2) / 2, smoothed; NaN when not measured. */
  readonly interest: number;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** The documented formula. */
export function engagementScore(c: EngagementComponents, w: EngagementWeights): number {
  const terms: [number, number][] = [
    [w.presence, c.presence],
    [w.expressiveness, c.expressiveness],
    [w.interest, c.interest],
  ];
  if (c.onScreen !== undefined) terms.push([w.onScreen, c.onScreen * c.presence]);
  if (c.eyesOpen !== undefined) terms.push([w.eyesOpen, c.eyesOpen * c.presence]);
  const ws = terms.reduce((s, [k]) => s + k, 0);
  const base = ws > 0 ? terms.reduce((s, [k, v]) => s + k * v, 0) / ws : 0;
  return clamp01(base - w.confusion * c.confusion - w.boredom * c.boredom);
}

/** Boredom from its parts (see the header). */
export function boredomOf(yawning: number, expressiveness: number, onScreen: number | undefined): number {
  return clamp01(Math.max(yawning, (1 - expressiveness) * (1 - (onScreen ?? 1))));
}

/** Time-ordered entries inside a sliding window; old entries are dropped on `prune`. */
export class SlidingWindow<T extends { readonly tMs: number }> {
  private items: T[] = [];
  private head = 0;
  push(x: T): void {
    this.items.push(x);
  }
  /** Drops entries at or before `fromMs`. */
  prune(fromMs: number): void {
    while (this.head < this.items.length && this.items[this.head]!.tMs <= fromMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
  entries(): readonly T[] {
    return this.head === 0 ? this.items : this.items.slice(this.head);
  }
  get size(): number {
    return this.items.length - this.head;
  }
}

/** Components of one track from its window entries; `windowMs` is the (effective) window length. */
export function trackComponents(
  entries: readonly WindowEntry[],
  windowMs: number,
  expressivenessScale: number,
): TrackParts {
  let faceMs = 0;
  let confusedMs = 0;
  let yawnMs = 0;
  const on = { ms: 0, of: 0 };
  const open = { ms: 0, of: 0 };
  const interest = { sum: 0, of: 0 };
  const dims = entries[0]?.au.length ?? 0;
  const n = new Float64Array(dims);
  const s1 = new Float64Array(dims);
  const s2 = new Float64Array(dims);
  for (const e of entries) {
    faceMs += e.dtMs;
    if (e.confused) confusedMs += e.dtMs;
    if (e.yawning) yawnMs += e.dtMs;
    if (e.onScreen !== undefined) {
      on.of += e.dtMs;
      if (e.onScreen) on.ms += e.dtMs;
    }
    if (e.eyesOpen !== undefined) {
      open.of += e.dtMs;
      if (e.eyesOpen) open.ms += e.dtMs;
    }
    if (Number.isFinite(e.interest)) {
      interest.sum += e.interest * e.dtMs;
      interest.of += e.dtMs;
    }
    for (let k = 0; k < dims; k++) {
      const p = e.au[k]!;
      if (Number.isNaN(p)) continue;
      n[k]!++;
      s1[k]! += p;
      s2[k]! += p * p;
    }
  }
  let stdSum = 0;
  let measured = 0;
  for (let k = 0; k < dims; k++) {
    if (n[k] === 0) continue;
    const mean = s1[k]! / n[k]!;
    stdSum += Math.sqrt(Math.max(0, s2[k]! / n[k]! - mean * mean));
    measured++;
  }
  const meanStd = measured ? stdSum / measured : 0;
  const expressiveness = clamp01(meanStd / expressivenessScale);
  const yawning = faceMs > 0 ? yawnMs / faceMs : 0;
  const onScreen = on.of > 0 ? on.ms / on.of : undefined;
  return {
    presence: windowMs > 0 ? clamp01(faceMs / windowMs) : 0,
    ...(onScreen !== undefined ? { onScreen } : {}),
    ...(open.of > 0 ? { eyesOpen: open.ms / open.of } : {}),
    expressiveness,
    interest: interest.of > 0 ? clamp01(interest.sum / interest.of) : 0,
    confusion: faceMs > 0 ? confusedMs / faceMs : 0,
    yawning,
    boredom: boredomOf(yawning, expressiveness, onScreen),
    faceMs,
    onScreenMs: on.of,
    eyesOpenMs: open.of,
  };
}

/** A track's components with the face time they cover (for the stream aggregate). */
export type TrackParts = EngagementComponents & {
  readonly faceMs: number;
  readonly onScreenMs?: number;
  readonly eyesOpenMs?: number;
};

/** Stream components: presence from the frame timeline, the rest face-time-weighted over tracks. */
export function streamComponents(
  facePresentMs: number,
  windowMs: number,
  tracks: readonly TrackParts[],
): EngagementComponents {
  const total = tracks.reduce((s, t) => s + t.faceMs, 0);
  const mean = (k: 'expressiveness' | 'interest' | 'confusion' | 'yawning' | 'boredom') =>
    total > 0 ? tracks.reduce((s, t) => s + t[k] * t.faceMs, 0) / total : 0;
  const measuredMean = (k: 'onScreen' | 'eyesOpen', w: 'onScreenMs' | 'eyesOpenMs') => {
    const of = tracks.reduce((s, t) => s + (t[k] !== undefined ? (t[w] ?? t.faceMs) : 0), 0);
    if (of <= 0) return undefined;
    return tracks.reduce((s, t) => s + (t[k] !== undefined ? t[k] * (t[w] ?? t.faceMs) : 0), 0) / of;
  };
  const onScreen = measuredMean('onScreen', 'onScreenMs');
  const eyesOpen = measuredMean('eyesOpen', 'eyesOpenMs');
  const expressiveness = mean('expressiveness');
  const yawning = mean('yawning');
  return {
    presence: windowMs > 0 ? clamp01(facePresentMs / windowMs) : 0,
    ...(onScreen !== undefined ? { onScreen } : {}),
    ...(eyesOpen !== undefined ? { eyesOpen } : {}),
    expressiveness,
    interest: mean('interest'),
    confusion: mean('confusion'),
    yawning,
    boredom: boredomOf(yawning, expressiveness, onScreen),
  };
}
