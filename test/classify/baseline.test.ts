import { describe, expect, it } from 'vitest';
import {
  BaselineStore,
  blendCalibration,
  blendNeutral,
  CANONICAL_MEASURES,
  MESH_CALIBRATION,
  MESH_CALIBRATION_RELATIVE,
  median,
  RELATIVE_AUS,
  TrackBaseline,
  warmupWeight,
} from '../../src/classify/mesh/index.js';
import { AU_KEYS, type AuKey } from '../../src/types.js';

/** Raw measures with every AU at `v` (and AU1 at `au1` when given). */
const raw = (v: number, au1 = v): Record<AuKey, number> => {
  const r = {} as Record<AuKey, number>;
  for (const k of AU_KEYS) r[k] = v;
  r.AU1 = au1;
  return r;
};
const opts = { windowMs: 10_000, sampleEveryMs: 100, warmupMs: 2_000, gapMs: 1_000 };
const box = { x: 100, y: 100, w: 80, h: 80 };

describe('per-track baseline (virtual time: the frames own ptsMs)', () => {
  it('median and warm-up weight are plain functions', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(warmupWeight(0, 2000)).toBe(0);
    expect(warmupWeight(1000, 2000)).toBe(0.5);
    expect(warmupWeight(5000, 2000)).toBe(1);
    expect(warmupWeight(-1, 2000)).toBe(0);
    expect(warmupWeight(0, 0)).toBe(1);
  });

  it("is the window's median, robust to a face that is expressive 40% of the time", () => {
    const b = new TrackBaseline(opts);
    // 10 s at 10 fps: neutral 0.3 for 6 of every 10 frames, a brow raise (0.5) for 4.
    for (let i = 0; i < 100; i++) b.add(i * 100, raw(0.3, i % 10 < 4 ? 0.5 : 0.3));
    expect(b.neutral()?.AU1).toBeCloseTo(0.3, 9);
    expect(b.weight()).toBe(1);
  });

  it('samples at most one frame per sampleEveryMs and forgets frames older than the window', () => {
    const b = new TrackBaseline(opts);
    for (let t = 0; t < 1000; t += 10) b.add(t, raw(0.1)); // 100 frames in 1 s
    expect(b.size).toBe(10);
    for (let t = 1000; t <= 30_000; t += 100) b.add(t, raw(0.7)); // 29 s of another level
    expect(b.neutral()?.AU4).toBeCloseTo(0.7, 9); // the first second has left the 10 s window
    expect(b.size).toBeLessThanOrEqual(101);
  });

  it('warms up over warmupMs of stream time, whatever the frame rate', () => {
    const slow = new TrackBaseline(opts);
    const fast = new TrackBaseline(opts);
    for (let t = 0; t <= 1000; t += 500) slow.add(t, raw(0.2));
    for (let t = 0; t <= 1000; t += 33) fast.add(t, raw(0.2));
    expect(slow.weight()).toBeCloseTo(0.5, 9);
    expect(fast.weight()).toBeCloseTo(0.5, 1);
    expect(new TrackBaseline(opts).weight()).toBe(0);
  });

  it('skips frames with a non-finite measure instead of poisoning the median', () => {
    const b = new TrackBaseline(opts);
    b.add(0, raw(0.2));
    b.add(200, raw(Number.NaN));
    b.add(400, raw(0.2));
    expect(b.size).toBe(2);
    expect(Number.isFinite(b.neutral()?.AU1)).toBe(true);
  });

  it('blends the person into the canonical neutral for the relative AUs only', () => {
    const person = raw(1);
    const half = blendNeutral(CANONICAL_MEASURES, person, 0.5);
    for (const k of AU_KEYS) {
      const c = CANONICAL_MEASURES[k];
      const expected = (RELATIVE_AUS as readonly string[]).includes(k) ? c + 0.5 * (1 - c) : c;
      expect(half[k]).toBeCloseTo(expected, 12);
    }
    expect(blendNeutral(CANONICAL_MEASURES, null, 1)).toBe(CANONICAL_MEASURES);
    expect(blendNeutral(CANONICAL_MEASURES, person, 0)).toBe(CANONICAL_MEASURES);
    const cal = blendCalibration(MESH_CALIBRATION, MESH_CALIBRATION_RELATIVE, 1);
    expect(cal.AU4).toEqual(MESH_CALIBRATION_RELATIVE.AU4);
    expect(cal.AU12).toEqual(MESH_CALIBRATION.AU12);
    const mid = blendCalibration(MESH_CALIBRATION, MESH_CALIBRATION_RELATIVE, 0.5);
    expect(mid.AU1.centre).toBeCloseTo(
      (MESH_CALIBRATION.AU1.centre + (MESH_CALIBRATION_RELATIVE.AU1?.centre ?? 0)) / 2,
      12,
    );
  });

  it('keeps tracks apart, resets a track that ended, and hands a baseline to a face re-found within gapMs', () => {
    const s = new BaselineStore(opts);
    for (let t = 0; t <= 3000; t += 100) {
      s.observe('cam', 1, t, raw(0.4), box);
      s.observe('cam', 2, t, raw(0.9), { ...box, x: 400 });
      s.observe('other', 1, t, raw(0.1), box);
    }
    expect(s.counts).toEqual({ live: 3, parked: 0 });
    s.end('cam', 1);
    expect(s.counts).toEqual({ live: 2, parked: 1 });
    // The tracker re-finds the face 600 ms later, a few pixels off: same person, same baseline, warm at once.
    const refound = s.observe('cam', 7, 3600, raw(0.6), { ...box, x: 106 });
    expect(refound.weight()).toBe(1);
    expect(refound.neutral()?.AU1).toBeCloseTo(0.4, 9);
    expect(s.counts.parked).toBe(0);
    // Another stream's face at the same place is not that person.
    s.end('other', 1);
    expect(s.observe('cam', 8, 3700, raw(0.6), box).weight()).toBe(0);
    // Past gapMs, or somewhere else in the frame, a new track starts afresh.
    s.end('cam', 2);
    expect(s.observe('cam', 9, 3800, raw(0.6), box).size).toBe(1);
    expect(s.observe('cam', 10, 6000, raw(0.6), { ...box, x: 400 }).size).toBe(1);
    expect(s.counts.parked).toBe(1); // only the other stream's track is still parked
    s.clear();
    expect(s.counts).toEqual({ live: 0, parked: 0 });
  });
});
