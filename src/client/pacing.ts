/**
 * Frame pacing on the student's device, pure and on an injected clock: which camera frames to analyse
 * (`FrameGate`: a chosen rate, and a frame due while the previous one is still being analysed is dropped, never
 * queued), the analysed frame rate (`FpsMeter`) and how often each face's AU sample is sent (`AuThrottle`).
 */

export interface GateStats {
  readonly taken: number;
  /** Frames due while the previous one was still analysed: dropped, not queued. */
  readonly dropped: number;
}

export class FrameGate {
  private nextMs = Number.NEGATIVE_INFINITY;
  private busy = false;
  private taken = 0;
  private dropped = 0;
  private readonly periodMs: number;

  constructor(fps: number) {
    this.periodMs = 1000 / fps;
  }

  /**
   * Whether to take the frame offered at `nowMs`: not before its slot, and never while one is analysed. Every
   * slot that passes while the device is busy is a dropped frame (counted, never queued): a slow device analyses
   * fewer frames, it does not fall behind. A taken frame must be followed by `done()`.
   */
  offer(nowMs: number): boolean {
    if (this.busy || nowMs < this.nextMs) return false;
    if (Number.isFinite(this.nextMs)) this.dropped += Math.floor((nowMs - this.nextMs) / this.periodMs);
    this.busy = true;
    this.taken++;
    // the next slot is one period after this frame's own slot (or after now, when late)
    const slot = Number.isFinite(this.nextMs)
      ? this.nextMs + Math.floor((nowMs - this.nextMs) / this.periodMs) * this.periodMs
      : nowMs;
    this.nextMs = slot + this.periodMs;
    return true;
  }

  done(): void {
    this.busy = false;
  }

  stats(): GateStats {
    return { taken: this.taken, dropped: this.dropped };
  }
}

/** Frames per second over the last `windowMs` of completed frames. */
export class FpsMeter {
  private readonly times: number[] = [];
  constructor(private readonly windowMs = 2000) {}

  tick(nowMs: number): void {
    this.times.push(nowMs);
    while (this.times.length > 0 && this.times[0]! < nowMs - this.windowMs) this.times.shift();
  }

  /** Frames per second over the window (0 until two frames). */
  fps(): number {
    const n = this.times.length;
    if (n < 2) return 0;
    const span = this.times[n - 1]! - this.times[0]!;
    return span > 0 ? ((n - 1) * 1000) / span : 0;
  }
}

/** At most `rateHz` AU samples per face track, by stream time: the first, then one per period. */
export class AuThrottle {
  private readonly last = new Map<number, number>();
  private readonly periodMs: number;
  constructor(rateHz: number) {
    this.periodMs = 1000 / rateHz;
  }

  /** Whether the sample of `trackId` at stream time `ptsMs` goes out. */
  take(trackId: number, ptsMs: number): boolean {
    const prev = this.last.get(trackId);
    // a small slack so that frames at 15 fps and 4 Hz do not beat against each other
    if (prev !== undefined && ptsMs - prev < this.periodMs * 0.95) return false;
    this.last.set(trackId, ptsMs);
    return true;
  }

  /** Forget an ended track. */
  end(trackId: number): void {
    this.last.delete(trackId);
  }
}
