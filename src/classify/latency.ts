/** Keeps the last `cap` samples and reports percentiles (nearest rank) over them. */
export class LatencyWindow {
  private readonly buf: Float64Array;
  private n = 0;

  constructor(private readonly cap: number) {
    this.buf = new Float64Array(cap);
  }

  add(ms: number): void {
    this.buf[this.n++ % this.cap] = ms;
  }

  summary(): { p50: number; p95: number; max: number } {
    const s = Array.from(this.buf.subarray(0, Math.min(this.n, this.cap))).sort((a, b) => a - b);
    return { p50: percentile(s, 0.5), p95: percentile(s, 0.95), max: s.length ? s[s.length - 1]! : 0 };
  }
}

/** Nearest-rank percentile of an ascending array (0 when empty). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
