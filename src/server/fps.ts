/** Frames per second over a sliding window of recent ticks (a ring of timestamps; bounded memory). */
export class FpsMeter {
  private readonly times: number[] = [];
  private head = 0;

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly windowMs = 2000,
    private readonly capacity = 512,
  ) {}

  tick(): void {
    const now = this.clock();
    if (this.times.length < this.capacity) this.times.push(now);
    else {
      this.times[this.head] = now;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  /** Ticks per second within the window ending now. */
  rate(): number {
    const now = this.clock();
    let n = 0;
    let oldest = now;
    for (const t of this.times) {
      if (now - t <= this.windowMs) {
        n++;
        if (t < oldest) oldest = t;
      }
    }
    if (n < 2) return 0;
    const span = Math.max(now - oldest, 1);
    return Math.round(((n - 1) / span) * 1000 * 10) / 10;
  }
}
