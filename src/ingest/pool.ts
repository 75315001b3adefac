/**
 * A fixed set of frame-sized buffers. Buffers are allocated on first use (never more than `size`) and
 * then reused forever, so decoding allocates nothing per frame. They live in SharedArrayBuffers, so the
 * detector's worker threads read a frame where ffmpeg's bytes landed, without a copy (`detect/worker-pool.ts`).
 */
export class FramePool {
  private readonly free: Uint8Array[] = [];
  private allocated = 0;
  private waiter: (() => void) | undefined;
  private spareBuf: Uint8Array | undefined;

  constructor(
    readonly size: number,
    readonly frameBytes: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be >= 1, got ${size}`);
  }

  /** A free buffer, or undefined when all `size` buffers are out. */
  acquire(): Uint8Array | undefined {
    const buf = this.free.pop();
    if (buf) return buf;
    if (this.allocated >= this.size) return undefined;
    this.allocated++;
    return new Uint8Array(new SharedArrayBuffer(this.frameBytes));
  }

  release(buf: Uint8Array): void {
    if (buf.byteLength !== this.frameBytes) throw new RangeError('buffer does not belong to this pool');
    this.free.push(buf);
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** A frame-sized buffer outside the pool, for bytes that have nowhere else to go (dropped frames). */
  get spare(): Uint8Array {
    this.spareBuf ??= new Uint8Array(this.frameBytes);
    return this.spareBuf;
  }

  /** Calls `cb` once, at the next release (the reader waits here when the consumer is behind). */
  onRelease(cb: () => void): void {
    this.waiter = cb;
  }

  cancelWait(): void {
    this.waiter = undefined;
  }

  /** Buffers handed out and not yet returned. */
  get outstanding(): number {
    return this.allocated - this.free.length;
  }
}
