/**
 * Exponential smoothing in time units: the weight of a new value depends on the time since the
 * previous one, so the filter behaves the same at 10 or 30 fps and across dropped frames.
 * With time constant tau, a step input reaches 63 % after tau ms and 95 % after 3·tau ms.
 */

/** Weight of the new value after `dtMs` for time constant `tauMs`: 1 - exp(-dt/tau); 1 when tau is 0. */
export function emaAlpha(dtMs: number, tauMs: number): number {
  if (tauMs <= 0 || dtMs === Number.POSITIVE_INFINITY) return 1;
  if (dtMs <= 0) return 0;
  return 1 - Math.exp(-dtMs / tauMs);
}

/** One smoothing step: prev + alpha·(x - prev). */
export function emaStep(prev: number, x: number, dtMs: number, tauMs: number): number {
  return prev + emaAlpha(dtMs, tauMs) * (x - prev);
}

/** Smooths a vector of named values (AU probabilities) sample by sample; keys may come and go. */
export class VectorSmoother<K extends string = string> {
  private values = new Map<K, number>();
  private lastMs: number | null = null;
  constructor(private readonly tauMs: number) {}

  /** Feeds one sample at `tMs`; returns the smoothed values of the keys in `x`. The first sample passes through. */
  update(tMs: number, x: Readonly<Partial<Record<K, number>>>): Partial<Record<K, number>> {
    const dt = this.lastMs === null ? Number.POSITIVE_INFINITY : tMs - this.lastMs;
    const out: Partial<Record<K, number>> = {};
    for (const [k, v] of Object.entries(x) as [K, number | undefined][]) {
      if (v === undefined || !Number.isFinite(v)) continue;
      const prev = this.values.get(k);
      const s = prev === undefined ? v : emaStep(prev, v, dt, this.tauMs);
      this.values.set(k, s);
      out[k] = s;
    }
    if (this.lastMs === null || tMs > this.lastMs) this.lastMs = tMs;
    return out;
  }

  /** Forgets the history (after a gap longer than the grace): the next sample starts fresh. */
  reset(): void {
    this.values.clear();
    this.lastMs = null;
  }
}
