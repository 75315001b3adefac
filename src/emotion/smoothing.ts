/**
 * AU smoothing in time units, so filters behave the same at 10 or 30 fps and across dropped frames.
 * - Exponential: the weight of a new value is 1 - exp(-dt/tau); a step input reaches 63 % after tau
 *   ms and 95 % after 3·tau ms.
 * - One-Euro (Casiez et al., CHI 2012): a low-pass whose cutoff rises with the speed of change,
 *   fc = minCutoff + beta·|dx/dt|, so still faces are smoothed hard and fast expressions lag little.
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

/** A scalar filter over irregularly timed samples. */
export interface Filter1D {
  /** `dtMs` is the time since the previous sample (Infinity for the first). */
  step(x: number, dtMs: number): number;
}

export class EmaFilter implements Filter1D {
  private s: number | null = null;
  constructor(private readonly tauMs: number) {}
  step(x: number, dtMs: number): number {
    this.s = this.s === null ? x : emaStep(this.s, x, dtMs, this.tauMs);
    return this.s;
  }
}

/** Smoothing factor of a first-order low-pass with cutoff `hz` over `dtMs`: 1 / (1 + 1/(2π·fc·dt)). */
export function lowpassAlpha(hz: number, dtMs: number): number {
  if (dtMs === Number.POSITIVE_INFINITY) return 1;
  if (dtMs <= 0) return 0;
  return 1 / (1 + 1 / (2 * Math.PI * hz * (dtMs / 1000)));
}

export interface OneEuroParams {
  readonly minCutoffHz: number;
  /** Cutoff increase per unit/s of speed. */
  readonly beta: number;
  /** Cutoff of the speed estimate. */
  readonly dCutoffHz: number;
}

export class OneEuroFilter implements Filter1D {
  private x: number | null = null;
  private dx = 0;
  constructor(private readonly p: OneEuroParams) {}
  step(x: number, dtMs: number): number {
    if (this.x === null || dtMs === Number.POSITIVE_INFINITY) {
      this.x = x;
      this.dx = 0;
      return x;
    }
    if (dtMs <= 0) return this.x;
    const rawDx = (x - this.x) / (dtMs / 1000);
    this.dx += lowpassAlpha(this.p.dCutoffHz, dtMs) * (rawDx - this.dx);
    const fc = this.p.minCutoffHz + this.p.beta * Math.abs(this.dx);
    this.x += lowpassAlpha(fc, dtMs) * (x - this.x);
    return this.x;
  }
}

/** Smooths a vector of named values (AU probabilities) sample by sample, one filter per key. */
export class VectorSmoother<K extends string = string> {
  private filters = new Map<K, Filter1D>();
  private lastMs: number | null = null;
  private readonly make: () => Filter1D;
  /** `filter` is a time constant in ms (exponential) or a factory of per-key filters. */
  constructor(filter: number | (() => Filter1D)) {
    this.make = typeof filter === 'number' ? () => new EmaFilter(filter) : filter;
  }

  /** Feeds one sample at `tMs`; returns the smoothed values of the keys in `x`. The first sample passes through. */
  update(tMs: number, x: Readonly<Partial<Record<K, number>>>): Partial<Record<K, number>> {
    const dt = this.lastMs === null ? Number.POSITIVE_INFINITY : tMs - this.lastMs;
    const out: Partial<Record<K, number>> = {};
    for (const [k, v] of Object.entries(x) as [K, number | undefined][]) {
      if (v === undefined || !Number.isFinite(v)) continue;
      let f = this.filters.get(k);
      if (!f) {
        f = this.make();
        this.filters.set(k, f);
        out[k] = f.step(v, Number.POSITIVE_INFINITY);
      } else out[k] = f.step(v, dt);
    }
    if (this.lastMs === null || tMs > this.lastMs) this.lastMs = tMs;
    return out;
  }

  /** Forgets the history (after a gap longer than the grace): the next sample starts fresh. */
  reset(): void {
    this.filters.clear();
    this.lastMs = null;
  }
}
