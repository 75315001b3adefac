import type { OnReadOpts, Socket } from 'node:net';
import type { FramePool } from './pool.js';

/**
 * What to do when every pool buffer is held downstream: `wait` stops reading, so ffmpeg blocks on its
 * full socket (files: nothing is lost); `drop-newest` reads the next frame into a spare buffer and counts
 * it as dropped (live: the camera will not wait, and fresher frames come later anyway).
 */
export type PoolPolicy = 'wait' | 'drop-newest';

export interface FrameHandlers {
  frame(rgb: Uint8Array): void;
  dropped(): void;
}

/**
 * Cuts ffmpeg's raw RGB byte stream into frames. Each socket read lands directly in the current frame's
 * pool buffer at the current offset (reads never cross a frame boundary), so a frame costs no copy in
 * JavaScript. Bytes go to a spare buffer only while no pool buffer is free: dropped frames (live), or the
 * first read after a wait (files), which is then copied once into the buffer that was released.
 */
export class FrameReader {
  private target: Uint8Array | undefined;
  private off = 0;
  private socket: Socket | undefined;
  private waiting = false;
  private stopped = false;

  constructor(
    private readonly pool: FramePool,
    private readonly policy: PoolPolicy,
    private readonly on: FrameHandlers,
  ) {
    this.next();
  }

  /** Pass to net.connect; call `attach` with the socket it returns. */
  readonly onread: OnReadOpts = {
    buffer: () => (this.target ?? this.pool.spare).subarray(this.off),
    callback: (n: number, buf: Uint8Array): boolean => this.received(n, buf),
  };

  attach(socket: Socket): void {
    this.socket = socket;
    if (this.waiting) socket.pause();
  }

  /** Bytes of an incomplete frame (non-zero at end of stream means the output was cut mid-frame). */
  get partialBytes(): number {
    return this.off;
  }

  private received(n: number, buf: Uint8Array): boolean {
    if (this.stopped) return false;
    // The read went to the spare buffer but a pool buffer has come free since: move those bytes over.
    if (this.target && buf.buffer !== this.target.buffer) this.target.set(buf.subarray(0, n), this.off);
    this.off += n;
    if (this.off < this.pool.frameBytes) return true;
    const done = this.target;
    this.target = undefined;
    this.off = 0;
    if (done) this.on.frame(done);
    else this.on.dropped();
    return this.next();
  }

  /** Takes a buffer for the next frame; false (pause reading) when a file must wait for one. */
  private next(): boolean {
    if (this.stopped) return false;
    this.target = this.pool.acquire();
    if (this.target || this.policy === 'drop-newest') return true;
    this.waiting = true;
    this.socket?.pause(); // Node's onread sockets stop reading on pause() and restart on resume()
    this.pool.onRelease(() => {
      this.waiting = false;
      this.target = this.pool.acquire();
      if (!this.stopped) this.socket?.resume();
    });
    return false;
  }

  /** Stops reading and returns the buffer being filled, if any, to the pool. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pool.cancelWait();
    if (this.target) this.pool.release(this.target);
    this.target = undefined;
  }
}
