import { describe, expect, it } from 'vitest';
import {
  AttentionTrack,
  AttentionTracks,
  gazeAngles,
  irisOffsets,
  mouthOpening,
  offScreenRatio,
} from '../../src/attention/index.js';
import { CANONICAL_IOD } from '../../src/classify/mesh/index.js';
import { attentionReadingSchema } from '../../src/schemas/index.js';
import { canonical478, trackOpts } from './helpers.js';

const cone = { yawDeg: 25, pitchDeg: 20, pitchOffsetDeg: 0, gazeDegPerUnit: 30 };
const level = { yaw: 0, pitch: 0, roll: 0 };

describe('gaze and the screen cone (pure)', () => {
  it('has no gaze without the iris points, and reads the iris offset in half eye widths', () => {
    expect(irisOffsets(CANONICAL_IOD, 468)).toBeUndefined();
    const c = irisOffsets(canonical478(), 478)!;
    for (const v of [c.right.x, c.right.y, c.left.x, c.left.y]) expect(Math.abs(v)).toBeLessThan(1e-9);
    const g = irisOffsets(canonical478(0.4, -0.2), 478)!;
    expect(g.right.x).toBeCloseTo(0.4, 9);
    expect(g.left.x).toBeCloseTo(0.4, 9);
    expect(g.right.y).toBeCloseTo(-0.2, 9);
  });

  it('head pose alone, and gaze added to it, decide on screen against the cone', () => {
    expect(offScreenRatio(level, undefined, cone)).toBe(0);
    expect(offScreenRatio({ ...level, yaw: 30 }, undefined, cone)).toBeCloseTo(1.2, 9);
    expect(offScreenRatio({ ...level, pitch: -30 }, undefined, cone)).toBeCloseTo(1.5, 9);
    // the screen sits below the camera: looking 10° down is dead centre
    expect(offScreenRatio({ ...level, pitch: -10 }, undefined, { ...cone, pitchOffsetDeg: -10 })).toBe(0);
    // head turned 30° right, eyes turned back left by 1 half-width (30°): looking at the screen
    const g = irisOffsets(canonical478(-1, 0), 478);
    expect(gazeAngles({ ...level, yaw: 30 }, g, cone).yaw).toBeCloseTo(0, 6);
    expect(offScreenRatio({ ...level, yaw: 30 }, g, cone)).toBeLessThan(0.01);
    // eyes sideways on a frontal head: off screen
    expect(offScreenRatio(level, irisOffsets(canonical478(1, 0), 478), cone)).toBeCloseTo(1.2, 6);
  });

  it('the canonical (neutral) mouth is nearly closed', () => {
    expect(mouthOpening(CANONICAL_IOD)).toBeLessThan(0.15);
  });
});

/** The canonical face with the lower inner lip (14) pulled down to an opening of `open` (gap / width). */
function mouth(open: number): Float64Array {
  const p = canonical478();
  const width = Math.hypot(p[61 * 3]! - p[291 * 3]!, p[61 * 3 + 1]! - p[291 * 3 + 1]!);
  p[14 * 3] = p[13 * 3]!;
  p[14 * 3 + 1] = p[13 * 3 + 1]! - open * width;
  return p;
}

describe('one track: yawns, eyes, readings without NaN', () => {
  const input = (ptsMs: number, pts: Float64Array, au12 = 0.05) => ({
    ptsMs,
    pts,
    count: 478,
    pose: level,
    au12,
    faces: 1,
  });

  it('a wide-open mouth without a smile held for yawnMinMs is a yawn; with a smile (a laugh) it is not', () => {
    const t = new AttentionTrack(trackOpts({ yawnMinMs: 1500 }));
    const yawning: number[] = [];
    for (let ms = 0; ms <= 5000; ms += 100) {
      const open = ms >= 1000 && ms < 3500 ? 0.6 : 0.02;
      const r = t.update(input(ms, mouth(open)));
      if (r.mouth?.yawning) yawning.push(ms);
    }
    expect(yawning[0]).toBe(2500);
    expect(yawning.at(-1)).toBe(3400);
    expect(t.update(input(5100, mouth(0.02))).mouth?.yawns).toBe(1);
    const laugh = new AttentionTrack(trackOpts());
    for (let ms = 0; ms <= 5000; ms += 100)
      expect(laugh.update(input(ms, mouth(0.6), 0.8)).mouth?.yawning).toBe(false);
    // a short open mouth (talking, 1 s) is not a yawn
    const talk = new AttentionTrack(trackOpts());
    for (let ms = 0; ms <= 3000; ms += 100)
      expect(talk.update(input(ms, mouth(ms > 1000 && ms < 2000 ? 0.6 : 0.02))).mouth?.yawning).toBe(false);
  });

  it('counts blinks and PERCLOS on closing lids, and every reading validates (no NaN)', () => {
    const t = new AttentionTrack(trackOpts({ perclosWindowMs: 10_000 }));
    const closedLids = (): Float64Array => {
      const p = canonical478();
      // upper lids onto the lower ones: aspect near 0
      for (const [u, l] of [
        [160, 144],
        [158, 153],
        [387, 373],
        [385, 380],
      ] as const) {
        p[u * 3 + 1] = p[l * 3 + 1]!;
      }
      return p;
    };
    let last = t.update(input(0, canonical478()));
    for (let ms = 33; ms <= 10_000; ms += 33) {
      const blink = ms % 2000 > 1000 && ms % 2000 < 1150; // 5 blinks of ~150 ms
      const closedLong = ms > 8000 && ms < 9500;
      last = t.update(input(ms, blink || closedLong ? closedLids() : canonical478()));
      expect(attentionReadingSchema.safeParse(last).success).toBe(true);
    }
    expect(last.eyes!.blinks).toBe(4); // 1150, 3150, 5150, 7150; the one at 9150 is inside the long closure
    expect(last.eyes!.blinkRate).toBeCloseTo(4 * 6, 0);
    expect(last.eyes!.perclos).toBeGreaterThan(0.15);
    expect(last.eyes!.perclos).toBeLessThan(0.25);
    expect(last.pose).toEqual(level);
    expect(last.onScreen).toBe(true);
    // a mesh that cannot be measured leaves the signals out instead of publishing NaN
    const bad = new AttentionTrack(trackOpts());
    const r = bad.update({ ...input(0, new Float64Array(478 * 3).fill(Number.NaN)), pose: undefined });
    expect(r).toEqual({ faces: 1 });
    const badPose = bad.update({
      ...input(10, canonical478()),
      pose: { yaw: Number.NaN, pitch: 0, roll: 0 },
    });
    expect(badPose.pose).toBeUndefined();
    expect(badPose.onScreen).toBeUndefined();
    expect(JSON.stringify(badPose)).not.toMatch(/NaN|null/);
  });

  it('a track that ends is parked: a new track where it was, soon after, takes its state over; elsewhere or late it does not', () => {
    const tracks = new AttentionTracks(trackOpts());
    const box = { x: 100, y: 100, w: 80, h: 80 };
    const a = tracks.get('s', 1, 0, box);
    for (let ms = 0; ms < 1000; ms += 100) a.update(input(ms, canonical478()));
    tracks.end('s', 1);
    expect(tracks.parkedCount).toBe(1);
    // re-found 1 s later, nearly where it was: the same state (its time goes on)
    const b = tracks.get('s', 2, 2000, { ...box, x: 110 });
    expect(b).toBe(a);
    tracks.end('s', 2);
    // another stream, or far away, or after the gap: fresh
    expect(tracks.get('t', 3, 2100, box)).not.toBe(a);
    expect(tracks.get('s', 4, 2100, { ...box, x: 400 })).not.toBe(a);
    expect(tracks.get('s', 5, 9000, box)).not.toBe(a);
  });
});
