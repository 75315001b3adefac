import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuBatcher } from '../../src/classify/batcher.js';
import type { CnnEstimator } from '../../src/classify/cnn.js';
import type { AuEstimator } from '../../src/classify/estimator.js';
import { type AlignedCrop, AU_KEYS, type AuVector, type FaceObservation } from '../../src/types.js';
import { face, fixtureCrops, flush, ManualClock, openTinyEstimator } from './helpers.js';

/**
 * An estimator whose inference the test finishes by hand, so virtual time can pass while a batch is "in
 * flight". Its output encodes the face (AU1 = seq / 1000) so routing is checkable. Used where the test
 * needs inference to be slow on purpose (the queue-bound case) or timed exactly (maxWaitMs).
 */
class HeldEstimator implements AuEstimator {
  readonly name = 'held';
  readonly calls: FaceObservation[][] = [];
  private waiting: (() => void)[] = [];
  estimate(faces: readonly FaceObservation[]): Promise<AuVector[]> {
    this.calls.push([...faces]);
    return new Promise((resolve) => {
      this.waiting.push(() =>
        resolve(faces.map((f) => Object.fromEntries(AU_KEYS.map((k) => [k, f.seq / 1000])) as AuVector)),
      );
    });
  }
  finishAll(): number {
    const w = this.waiting.splice(0);
    for (const f of w) f();
    return w.length;
  }
  async close(): Promise<void> {}
}

describe('cross-stream micro-batcher on the real tiny CNN', () => {
  let est: CnnEstimator;
  let crops: AlignedCrop[];
  beforeAll(async () => {
    est = await openTinyEstimator();
    crops = await fixtureCrops();
  });
  afterAll(() => est?.close());

  it('routes every result to its stream and track, in order, under concurrent streams', async () => {
    // reference: each crop alone
    const ref: AuVector[] = [];
    for (const c of crops) ref.push(...(await est.estimate([face(c, 'ref', 0, 0)])));
    const b = new AuBatcher(est, { maxBatch: 8, maxWaitMs: 2, maxPendingPerStream: 1000 });
    const streams = ['a', 'b', 'c'];
    const order = new Map<string, number[]>();
    const jobs: Promise<void>[] = [];
    // three streams, two tracks each, 20 frames, submitted interleaved with small async gaps
    for (let seq = 0; seq < 20; seq++) {
      for (const [si, s] of streams.entries()) {
        for (const track of [1, 2]) {
          const ci = (seq + si * 2 + track) % crops.length;
          const f = face(crops[ci]!, s, track, seq);
          jobs.push(
            b.submit(f).then((r) => {
              expect(r).not.toBeNull();
              for (const k of AU_KEYS) expect(Math.abs(r![k] - ref[ci]![k])).toBeLessThan(1e-5);
              const key = `${s}/${track}`;
              order.set(key, [...(order.get(key) ?? []), seq]);
            }),
          );
        }
      }
      if (seq % 3 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(jobs);
    const st = b.stats();
    expect(st.faces).toBe(120);
    expect(st.dropped).toBe(0);
    expect(st.batches).toBeLessThan(120); // faces really shared batches
    expect(Math.max(...st.batchSizes.map((n, size) => (n ? size : 0)))).toBeGreaterThan(1);
    for (const seqs of order.values()) expect(seqs).toEqual([...Array(20).keys()]);
    expect(order.size).toBe(6);
    await b.close();
  });
});

describe('batcher timing and backpressure (virtual time)', () => {
  it('maxWaitMs bounds the latency when only one stream sends', async () => {
    const clock = new ManualClock();
    const est = new HeldEstimator();
    const b = new AuBatcher(est, { maxBatch: 16, maxWaitMs: 8, maxPendingPerStream: 64 }, clock);
    const p = b.submit(
      face({ width: 1, height: 1, rgb: new Uint8Array(3), toSource: [], templateId: 't' }, 'solo', 1, 5),
    );
    await clock.advance(7.9);
    expect(est.calls).toHaveLength(0); // still waiting for company
    await clock.advance(0.1);
    expect(est.calls).toHaveLength(1); // ran alone exactly at maxWaitMs
    expect(est.calls[0]).toHaveLength(1);
    est.finishAll();
    expect((await p)!.AU1).toBeCloseTo(0.005);
    expect(b.stats().latencyMs.max).toBe(8);
  });

  it('a full batch runs at once without waiting', async () => {
    const clock = new ManualClock();
    const est = new HeldEstimator();
    const b = new AuBatcher(est, { maxBatch: 4, maxWaitMs: 50, maxPendingPerStream: 64 }, clock);
    const crop = { width: 1, height: 1, rgb: new Uint8Array(3), toSource: [], templateId: 't' };
    for (let i = 0; i < 4; i++) void b.submit(face(crop, 'x', 1, i));
    await flush();
    expect(est.calls.map((c) => c.length)).toEqual([4]);
    expect(clock.armed).toBe(0);
  });

  it('holds the per-stream queue bound and drops the oldest when inference is slow', async () => {
    const clock = new ManualClock();
    // deliberately slow: the first batch stays in flight while the stream keeps sending
    const est = new HeldEstimator();
    const b = new AuBatcher(est, { maxBatch: 4, maxWaitMs: 5, maxPendingPerStream: 6 }, clock);
    const crop = { width: 1, height: 1, rgb: new Uint8Array(3), toSource: [], templateId: 't' };
    const results = new Map<string, (number | null)[]>();
    const all: Promise<void>[] = [];
    const send = (s: string, seq: number) =>
      all.push(
        b.submit(face(crop, s, 1, seq)).then((r) => {
          results.set(s, [...(results.get(s) ?? []), r ? Math.round(r.AU1 * 1000) : null]);
        }),
      );
    for (let seq = 0; seq < 4; seq++) send('fast', seq); // fills batch 1: in flight, never finished yet
    await flush();
    for (let seq = 4; seq < 40; seq++) {
      send('fast', seq);
      if (seq % 9 === 0) send('slow', seq);
      await clock.advance(1);
      expect(b.stats().pending).toBeLessThanOrEqual(6 + 4); // fast ≤ 6, slow ≤ 4 sent so far
    }
    const st = b.stats();
    expect(st.droppedByStream.fast).toBe(36 - 6); // 36 sent behind the stuck batch, 6 kept
    expect(st.droppedByStream.slow).toBeUndefined(); // the quiet stream loses nothing
    // let inference catch up (the last few wait their maxWaitMs for company, in virtual time)
    while (est.finishAll() > 0 || b.stats().pending > 0) await clock.advance(5);
    await Promise.all(all);
    const fast = results.get('fast')!.filter((x) => x !== null);
    // survivors: the in-flight batch and the newest 6, in submission order
    expect(fast).toEqual([0, 1, 2, 3, 34, 35, 36, 37, 38, 39]);
    expect(results.get('slow')).toEqual([9, 18, 27, 36]);
    expect(b.stats().dropped).toBe(30);
  });

  it('shares batches fairly: a flooding stream does not starve another', async () => {
    const clock = new ManualClock();
    const est = new HeldEstimator();
    const b = new AuBatcher(est, { maxBatch: 4, maxWaitMs: 5, maxPendingPerStream: 100 }, clock);
    const crop = { width: 1, height: 1, rgb: new Uint8Array(3), toSource: [], templateId: 't' };
    for (let i = 0; i < 4; i++) void b.submit(face(crop, 'flood', 1, i));
    await flush(); // batch 1 in flight
    for (let i = 4; i < 20; i++) void b.submit(face(crop, 'flood', 1, i));
    void b.submit(face(crop, 'quiet', 7, 100));
    est.finishAll();
    await flush();
    expect(est.calls[1]!.map((f) => f.streamId)).toContain('quiet');
  });
});

describe('batcher errors', () => {
  it('an inference error rejects that batch only; later faces still run', async () => {
    let fail = true;
    const est: AuEstimator = {
      name: 'flaky',
      estimate: async (faces) => {
        if (fail) {
          fail = false;
          throw new Error('inference failed');
        }
        return faces.map(() => Object.fromEntries(AU_KEYS.map((k) => [k, 0.5])) as AuVector);
      },
      close: async () => {},
    };
    const b = new AuBatcher(est, { maxBatch: 2, maxWaitMs: 1, maxPendingPerStream: 10 });
    const crop = { width: 1, height: 1, rgb: new Uint8Array(3), toSource: [], templateId: 't' };
    const first = [b.submit(face(crop, 's', 1, 0)), b.submit(face(crop, 's', 1, 1))];
    await expect(first[0]).rejects.toThrow('inference failed');
    await expect(first[1]).rejects.toThrow('inference failed');
    expect((await b.submit(face(crop, 's', 1, 2)))!.AU1).toBe(0.5);
    await b.close();
    await expect(b.submit(face(crop, 's', 1, 3))).rejects.toThrow(/closed/);
  });
});
