import { describe, expect, it } from 'vitest';
import { decodeSsd, freshFaces, mergeSsd, SSD_MESH_BOX_SCALE, ssdSeed } from '../../src/detect/index.js';

const opts = { minScore: 0.5, iouThreshold: 0.3, maxFaces: 10 };

describe('SSD decoding (pure)', () => {
  it('maps (ymin, xmin, ymax, xmax) fractions of the window into frame pixels, keeping scores >= minScore', () => {
    const boxes = [0.1, 0.2, 0.3, 0.6, /* low score */ 0, 0, 1, 1, /* NaN score */ 0, 0, 0.5, 0.5];
    const scores = [0.9, 0.49, Number.NaN];
    const got = decodeSsd(boxes, scores, { x: -80, y: 0, side: 800 }, 0.5);
    expect(got).toHaveLength(1);
    expect(got[0]!.score).toBe(0.9);
    expect(got[0]!.box.x).toBeCloseTo(-80 + 0.2 * 800);
    expect(got[0]!.box.y).toBeCloseTo(0.1 * 800);
    expect(got[0]!.box.w).toBeCloseTo(0.4 * 800);
    expect(got[0]!.box.h).toBeCloseTo(0.2 * 800);
  });

  it('clips boxes to the window and drops empty ones', () => {
    const got = decodeSsd(
      [-0.2, -0.1, 0.5, 0.4, 0.7, 0.7, 0.6, 0.9],
      [0.8, 0.8],
      { x: 0, y: 0, side: 100 },
      0.5,
    );
    expect(got).toHaveLength(1);
    expect(got[0]!.box).toEqual({ x: 0, y: 0, w: 40, h: 50 });
  });

  it('rejects outputs whose boxes and scores disagree', () => {
    expect(() => decodeSsd([0, 0, 1], [0.9], { x: 0, y: 0, side: 1 }, 0.5)).toThrow(RangeError);
  });

  it('merges overlapping faces best first and keeps separate ones, up to maxFaces', () => {
    const f = (x: number, score: number) => ({ score, box: { x, y: 0, w: 100, h: 100 } });
    const got = mergeSsd([f(0, 0.6), f(10, 0.9), f(300, 0.7)], opts);
    expect(got.map((g) => [g.box.x, g.score])).toEqual([
      [10, 0.9],
      [300, 0.7],
    ]);
    expect(mergeSsd([f(0, 0.9), f(300, 0.8), f(600, 0.7)], { ...opts, maxFaces: 2 })).toHaveLength(2);
  });
});

describe('scan helpers', () => {
  const f = (x: number, y: number, side: number) => ({ score: 0.9, box: { x, y, w: side, h: side } });

  it('freshFaces keeps the SSD faces that are none of the known boxes, either way round', () => {
    const known = [{ x: 100, y: 100, w: 140, h: 140 }];
    // inside the known face; containing it (a larger SSD box); beside it
    const found = [f(130, 130, 80), f(60, 60, 220), f(300, 100, 40)];
    expect(freshFaces(found, known)).toEqual([found[2]]);
    expect(freshFaces(found, [])).toEqual(found);
  });

  it('ssdSeed centres the mesh crop on the box, 1.4x its longer side, with no roll', () => {
    const s = ssdSeed({ score: 0.8, box: { x: 10, y: 20, w: 30, h: 40 } });
    expect(s).toEqual({ cx: 25, cy: 40, side: 40 * SSD_MESH_BOX_SCALE, roll: 0 });
  });
});
