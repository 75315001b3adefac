import type { Readable } from 'node:stream';
import type { FramePool } from './pool.js';

/**
 * What to do when every pool buffer is held downstream: `wait` pauses the reader, so ffmpeg blocks on its
 * full pipe (files: nothing is lost); `drop-newest` reads the next frame into nowhere and counts it (live:
 * the camera will not wait, and the freshest frames come later anyway).
 */
export type PoolPolicy = 'wait' | 'drop-newest';

export interface AssemblerHandlers {
  frame(rgb: Uint8Array): void;
  dropped(): void;
}

/**
 * Cuts ffmpeg's raw RGB stdout into frames by copying each chunk straight into pooled frame buffers
 * (one memcpy per byte, no Buffer.concat).
 */
export class FrameAssembler {
  private cur: Uint8Array | undefined;
  private off = 0;
  private skipping = false;
  private pending: Buffer | undefined;
  private stopped = false;

  constructor(
    private readonly input: Readable,
    private readonly pool: FramePool,
    private readonly policy: PoolPolicy,
    private readonly on: AssemblerHandlers,
  ) {
    input.on('data', this.onData);
  }

  /** Bytes of an incomplete frame still buffered (non-zero at end of stream means truncated output). */
  get partialBytes(): number {
    return this.off;
  }

  private readonly onData = (chunk: Buffer): void => {
    const frameBytes = this.pool.frameBytes;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.stopped) return;
      if (!this.cur && !this.skipping) {
        this.cur = this.pool.acquire();
        if (!this.cur) {
          if (this.policy === 'wait') {
            this.pending = chunk.subarray(pos);
            this.input.pause();
            this.pool.onRelease(this.resume);
            return;
          }
          this.skipping = true;
        }
      }
      const n = Math.min(frameBytes - this.off, chunk.length - pos);
      if (this.cur) this.cur.set(chunk.subarray(pos, pos + n), this.off);
      this.off += n;
      pos += n;
      if (this.off === frameBytes) {
        const done = this.cur;
        this.cur = undefined;
        this.skipping = false;
        this.off = 0;
        if (done) this.on.frame(done);
        else this.on.dropped();
      }
    }
  };

  private readonly resume = (): void => {
    const rest = this.pending;
    this.pending = undefined;
    if (rest) this.onData(rest);
    if (!this.pending && !this.stopped) this.input.resume();
  };

  /** Detaches from the stream and returns the half-filled buffer, if any, to the pool. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.input.off('data', this.onData);
    this.pool.cancelWait();
    this.pending = undefined;
    if (this.cur) this.pool.release(this.cur);
    this.cur = undefined;
  }
}
