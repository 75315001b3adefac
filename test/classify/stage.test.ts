import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuBatcher } from '../../src/classify/batcher.js';
import { boundedProbability } from '../../src/classify/bounds.js';
import type { CnnEstimator } from '../../src/classify/cnn.js';
import { classifyFaces } from '../../src/classify/stage.js';
import { type AlignedCrop, AU_KEYS, type AuVector, type FrameFaces } from '../../src/types.js';
import { face, fixtureCrops, openTinyEstimator } from './helpers.js';

describe('classifyFaces stage', () => {
  let est: CnnEstimator;
  let crops: AlignedCrop[];
  beforeAll(async () => {
    est = await openTinyEstimator();
    crops = await fixtureCrops();
  });
  afterAll(() => est?.close());

  const frame = (streamId: string, seq: number, n: number): FrameFaces => ({
    streamId,
    seq,
    ptsMs: seq * 33,
    decodedAt: 1000 + seq, // the same as face() gives each face of the frame
    width: 640,
    height: 480,
    faces: Array.from({ length: n }, (_, t) => face(crops[(seq + t) % crops.length]!, streamId, t + 1, seq)),
    tracks: [],
  });

  it('emits frames in order with one AuSample per face, versioned and carrying decodedAt', async () => {
    const batcher = new AuBatcher(est, { maxBatch: 8, maxWaitMs: 2, maxPendingPerStream: 64 });
    const frames = [frame('cam', 0, 2), frame('cam', 1, 0), frame('cam', 2, 3), frame('cam', 3, 1)];
    const out = await lastValueFrom(from(frames).pipe(classifyFaces(batcher), toArray()));
    expect(out.map((f) => f.seq)).toEqual([0, 1, 2, 3]);
    expect(out.map((f) => f.samples.length)).toEqual([2, 0, 3, 1]);
    const s = out[2]!.samples[1]!;
    expect(s).toMatchObject({
      v: 2,
      type: 'au',
      streamId: 'cam',
      trackId: 2,
      seq: 2,
      ptsMs: 66,
      decodedAt: 1002,
    });
    expect(s.model).toBe('tiny-au@0.0.1');
    const [ref] = await est.estimate([frames[2]!.faces[1]!]);
    expect(s.au.AU12).toBeCloseTo(boundedProbability(ref!.AU12), 6); // published probabilities are bounded
    // all four frames arrived at once: their six faces shared batches
    expect(batcher.stats().batches).toBeLessThan(6);
    await batcher.close();
  });
});

describe('classifyFaces and ended tracks', () => {
  it("tells the estimator a track ended, after that frame's faces were estimated", async () => {
    const log: string[] = [];
    const est = {
      name: 'recording',
      async estimate(faces: readonly { trackId: number }[]) {
        for (const f of faces) log.push(`face ${f.trackId}`);
        return faces.map(() => Object.fromEntries(AU_KEYS.map((k) => [k, 0])) as AuVector);
      },
      endTrack: (streamId: string, trackId: number) => log.push(`end ${streamId}/${trackId}`),
      async close() {},
    };
    const batcher = new AuBatcher(est as never, { maxBatch: 8, maxWaitMs: 1, maxPendingPerStream: 64 });
    const f = (seq: number, trackIds: number[], ended: number[]): FrameFaces => ({
      streamId: 'cam',
      seq,
      ptsMs: seq * 100,
      decodedAt: seq,
      width: 640,
      height: 480,
      faces: trackIds.map((t) => ({ streamId: 'cam', trackId: t, seq }) as never),
      tracks: ended.map((t) => ({
        v: 2,
        type: 'track',
        phase: 'end',
        streamId: 'cam',
        trackId: t,
        ptsMs: seq * 100,
      })),
    });
    await lastValueFrom(from([f(0, [1, 2], []), f(1, [2], [1])]).pipe(classifyFaces(batcher), toArray()));
    expect(log.indexOf('end cam/1')).toBeGreaterThan(log.lastIndexOf('face 1'));
    expect(log.filter((l) => l.startsWith('end'))).toEqual(['end cam/1']);
    await batcher.close();
  });
});

describe('classifyFaces under backpressure', () => {
  it('a frame whose faces were dropped comes out with fewer samples, still in order', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // deliberately slow estimator: holds the first batch until the test releases it
    const slow = {
      name: 'slow',
      estimate: async (faces: readonly unknown[]) => {
        await gate;
        return faces.map(() => Object.fromEntries(AU_KEYS.map((k) => [k, 0.1])) as AuVector);
      },
      close: async () => {},
    };
    const batcher = new AuBatcher(slow, { maxBatch: 1, maxWaitMs: 0, maxPendingPerStream: 1 });
    const crop = { width: 1, height: 1, rgb: new Uint8Array(3), toSource: [], templateId: 't' };
    const fr = (seq: number): FrameFaces => ({
      streamId: 'cam',
      seq,
      ptsMs: seq,
      decodedAt: seq,
      width: 1,
      height: 1,
      faces: [face(crop, 'cam', 1, seq)],
      tracks: [],
    });
    const out = lastValueFrom(from([fr(0), fr(1), fr(2), fr(3)]).pipe(classifyFaces(batcher), toArray()));
    setTimeout(release, 20);
    const frames = await out;
    expect(frames.map((f) => f.seq)).toEqual([0, 1, 2, 3]);
    // frame 0 in flight, frames 1 and 2 dropped by the bound of 1, frame 3 kept
    expect(frames.map((f) => f.samples.length)).toEqual([1, 0, 0, 1]);
    expect(batcher.stats().dropped).toBe(2);
  });
});
