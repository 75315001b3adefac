import type { AuVector, FaceObservation } from '../types.js';
import type { AuEstimator } from './estimator.js';
import { LatencyWindow } from './latency.js';
import { allFinite } from './selftest.js';

/** Time source and timers, injected so tests run on virtual time. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface BatcherOptions {
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  readonly maxPendingPerStream: number;
}

/** A face's result: its AU vector, or `null` when backpressure dropped it before inference. */
export type BatchResult = AuVector | null;

interface Pending {
  readonly face: FaceObservation;
  readonly at: number;
  readonly resolve: (r: BatchResult) => void;
  readonly reject: (e: unknown) => void;
}

export interface BatcherStats {
  readonly batches: number;
  readonly faces: number;
  readonly dropped: number;
  /** Results the estimator gave with a non-finite or out-of-range value: never published (resolved `null`). */
  readonly invalid: number;
  readonly droppedByStream: Readonly<Record<string, number>>;
  /** batchSizes[n] = how many batches held n faces. */
  readonly batchSizes: readonly number[];
  readonly pending: number;
  /** Face submitted → result, over the last 1024 faces (ms). */
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly max: number };
}

/**
 * One micro-batcher shared by all streams. Faces wait in per-stream FIFO queues until `maxBatch` are
 * pending or the oldest has waited `maxWaitMs`; then one inference runs on up to `maxBatch` faces taken
 * round-robin across streams (oldest first within each), and each result resolves its own promise.
 * One inference is in flight at a time, and a stream's faces leave its queue in order, so results for
 * a track always come back in the order they were submitted.
 * Backpressure policy: drop oldest, per stream. A stream holding `maxPendingPerStream` faces that wait
 * for inference drops its oldest one (resolved with `null`, counted) to admit the new one.
 */
export class AuBatcher {
  private readonly queues = new Map<string, Pending[]>();
  private pendingCount = 0;
  private busy = false;
  private inflight: Promise<void> = Promise.resolve();
  private timer: unknown = undefined;
  private closed = false;
  private rr = 0;
  private batches = 0;
  private faces = 0;
  private dropped = 0;
  private invalid = 0;
  private readonly droppedBy: Record<string, number> = {};
  private readonly sizes: number[];
  private readonly latency = new LatencyWindow(1024);

  constructor(
    readonly estimator: AuEstimator,
    private readonly o: BatcherOptions,
    private readonly clock: Clock = systemClock,
  ) {
    this.sizes = new Array<number>(o.maxBatch + 1).fill(0);
  }

  /** Queues one face; resolves with its AU vector, or `null` if it was dropped. */
  submit(face: FaceObservation): Promise<BatchResult> {
    if (this.closed) return Promise.reject(new Error('AuBatcher is closed'));
    return new Promise<BatchResult>((resolve, reject) => {
      let q = this.queues.get(face.streamId);
      if (!q) {
        q = [];
        this.queues.set(face.streamId, q);
      }
      if (q.length >= this.o.maxPendingPerStream) {
        q.shift()!.resolve(null);
        this.pendingCount--;
        this.dropped++;
        this.droppedBy[face.streamId] = (this.droppedBy[face.streamId] ?? 0) + 1;
      }
      q.push({ face, at: this.clock.now(), resolve, reject });
      this.pendingCount++;
      this.schedule();
    });
  }

  private oldestAt(): number {
    let t = Number.POSITIVE_INFINITY;
    for (const q of this.queues.values()) if (q[0] && q[0].at < t) t = q[0].at;
    return t;
  }

  /** Runs now if a batch is full or the oldest face has waited long enough, else arms one timer. */
  private schedule(): void {
    if (this.busy || this.pendingCount === 0) return;
    const wait = this.oldestAt() + this.o.maxWaitMs - this.clock.now();
    if (this.pendingCount >= this.o.maxBatch || wait <= 0) {
      this.run();
    } else if (this.timer === undefined) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
    }
  }

  private take(): Pending[] {
    const batch: Pending[] = [];
    const ids = [...this.queues.keys()];
    for (let empty = 0; batch.length < this.o.maxBatch && empty < ids.length; ) {
      const id = ids[this.rr++ % ids.length]!;
      const item = this.queues.get(id)?.shift();
      if (item) {
        batch.push(item);
        empty = 0;
      } else empty++;
    }
    for (const id of ids) if (this.queues.get(id)?.length === 0) this.queues.delete(id);
    this.pendingCount -= batch.length;
    return batch;
  }

  private run(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.take();
    this.busy = true;
    this.batches++;
    this.faces += batch.length;
    this.sizes[batch.length] = (this.sizes[batch.length] ?? 0) + 1;
    this.inflight = this.estimator
      .estimate(batch.map((p) => p.face))
      .then(
        (out) => {
          const now = this.clock.now();
          batch.forEach((p, i) => {
            this.latency.add(now - p.at);
            const v = out[i];
            // A NaN or an out-of-range value is not a reading: count it and publish nothing for this face.
            if (v && !allFinite([v])) {
              this.invalid++;
              p.resolve(null);
            } else p.resolve(v ?? null);
          });
        },
        (e: unknown) => {
          for (const p of batch) p.reject(e);
        },
      )
      .finally(() => {
        this.busy = false;
        this.schedule();
      });
  }

  stats(): BatcherStats {
    return {
      batches: this.batches,
      faces: this.faces,
      dropped: this.dropped,
      invalid: this.invalid,
      droppedByStream: { ...this.droppedBy },
      batchSizes: [...this.sizes],
      pending: this.pendingCount,
      latencyMs: this.latency.summary(),
    };
  }

  /** Drops what still waits (resolved `null`), waits for the batch in flight; the estimator stays open. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const q of this.queues.values()) for (const p of q) p.resolve(null);
    this.queues.clear();
    this.pendingCount = 0;
    await this.inflight;
  }
}
