/**
 * Engagement: a heuristic, not a validated measure of attention. Per track over a sliding window W
 * (ending at the publish time t; per track it starts no earlier than the track's first sample in it,
 * per stream no earlier than the stream's first frame):
 *   presence       = face time in the window / window length                     ∈ [0, 1]
 *   expressiveness = min(1, mean over AUs of the std dev of smoothed p / scale)   ∈ [0, 1]
 *   confusion      = share of face time with AU4 (brow lowerer) present ≥ sustainMs
 *   boredom        = share of face time with a yawn-like min(AU26, 1 − AU12) present ≥ sustainMs
 *                    (jaw drop without a smile: a laugh drops the jaw too)
 *   score = clamp01( (wP·presence + wE·expressiveness) / (wP + wE) − wC·confusion − wB·boredom )
 * Face time credits each sample with the time since the previous one, capped at gapGraceMs.
 * Per stream: presence is the share of the window with at least one face; the other components are
 * the face-time-weighted means of the tracks'; the score uses the same formula.
 */

export interface EngagementWeights {
  readonly presence: number;
  readonly expressiveness: number;
  readonly confusion: number;
  readonly boredom: number;
}

export interface EngagementComponents {
  readonly presence: number;
  readonly expressiveness: number;
  readonly confusion: number;
  readonly boredom: number;
}

export interface WindowEntry {
  readonly tMs: number;
  /** Face time credited to this sample. */
  readonly dtMs: number;
  /** Smoothed AU probabilities in AU_KEYS order; NaN where the estimator gave none. */
  readonly au: Float64Array;
  readonly confused: boolean;
  readonly bored: boolean;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** The documented formula. */
export function engagementScore(c: EngagementComponents, w: EngagementWeights): number {
  const pos = w.presence + w.expressiveness;
  const base = pos > 0 ? (w.presence * c.presence + w.expressiveness * c.expressiveness) / pos : 0;
  return clamp01(base - w.confusion * c.confusion - w.boredom * c.boredom);
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
): EngagementComponents & { readonly faceMs: number } {
  let faceMs = 0;
  let confusedMs = 0;
  let boredMs = 0;
  const dims = entries[0]?.au.length ?? 0;
  const n = new Float64Array(dims);
  const s1 = new Float64Array(dims);
  const s2 = new Float64Array(dims);
  for (const e of entries) {
    faceMs += e.dtMs;
    if (e.confused) confusedMs += e.dtMs;
    if (e.bored) boredMs += e.dtMs;
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
  return {
    presence: windowMs > 0 ? clamp01(faceMs / windowMs) : 0,
    expressiveness: clamp01(meanStd / expressivenessScale),
    confusion: faceMs > 0 ? confusedMs / faceMs : 0,
    boredom: faceMs > 0 ? boredMs / faceMs : 0,
    faceMs,
  };
}

/** Stream components: presence from the frame timeline, the rest face-time-weighted over tracks. */
export function streamComponents(
  facePresentMs: number,
  windowMs: number,
  tracks: readonly (EngagementComponents & { readonly faceMs: number })[],
): EngagementComponents {
  const total = tracks.reduce((s, t) => s + t.faceMs, 0);
  const mean = (k: 'expressiveness' | 'confusion' | 'boredom') =>
    total > 0 ? tracks.reduce((s, t) => s + t[k] * t.faceMs, 0) / total : 0;
  return {
    presence: windowMs > 0 ? clamp01(facePresentMs / windowMs) : 0,
    expressiveness: mean('expressiveness'),
    confusion: mean('confusion'),
    boredom: mean('boredom'),
  };
}
