import { describe, expect, it } from 'vitest';
import {
  decodeFullRange,
  detectWindows,
  FULL_ANCHORS,
  FULL_INPUT,
  FULL_VALUES,
  fullRangeAnchors,
  mergeFaces,
  windowTransform,
} from '../../src/detect/full-range.js';

const opts = { minScore: 0.5, iouThreshold: 0.1, maxFaces: 20 };

describe('full-range anchors', () => {
  it('are one 48x48 grid of stride 4, row-major, one anchor per cell: 2304', () => {
    const a = fullRangeAnchors();
    expect(FULL_ANCHORS).toBe(2304);
    expect(a.length).toBe(2304 * 2);
    expect([a[0], a[1]]).toEqual([2, 2]);
    expect([a[2], a[3]]).toEqual([6, 2]); // next cell to the right
    expect([a[48 * 2], a[48 * 2 + 1]]).toEqual([2, 6]); // next row
    expect([a[2303 * 2], a[2303 * 2 + 1]]).toEqual([190, 190]);
  });
});

describe('detect windows', () => {
  it('is the letterboxed whole frame only when the frame is small or tiles are off', () => {
    expect(detectWindows(640, 480, 0)).toEqual([{ x: 0, y: -80, side: 640 }]);
    expect(detectWindows(400, 300, 384)).toEqual([{ x: 0, y: -50, side: 400 }]);
    expect(detectWindows(640, 480, 384, 2)).toHaveLength(1); // auto: under two tiles
  });

  it('adds overlapping native tiles that cover a large frame', () => {
    const w = detectWindows(1280, 720, 384);
    expect(w[0]).toEqual({ x: 0, y: -280, side: 1280 });
    const tiles = w.slice(1);
    expect(tiles.every((t) => t.side === 384)).toBe(true);
    // every pixel of the frame lies in a tile, and neighbours overlap by >= a quarter tile
    const xs = [...new Set(tiles.map((t) => t.x))].sort((a, b) => a - b);
    const ys = [...new Set(tiles.map((t) => t.y))].sort((a, b) => a - b);
    expect(xs[0]).toBe(0);
    expect(xs.at(-1)! + 384).toBe(1280);
    expect(ys[0]).toBe(0);
    expect(ys.at(-1)! + 384).toBe(720);
    for (const axis of [xs, ys])
      for (let i = 1; i < axis.length; i++) expect(axis[i - 1]! + 384 - axis[i]!).toBeGreaterThanOrEqual(96);
    expect(tiles).toHaveLength(xs.length * ys.length);
  });

  it('maps model pixel centres onto the window', () => {
    const t = windowTransform({ x: 100, y: 50, side: 384 });
    // pixel (0,0) of the 192 input covers frame pixels 100..101: its centre is at 100.5
    expect(t[0] * 0 + t[2]).toBeCloseTo(100.5);
    expect(t[4] * (FULL_INPUT - 1) + t[5]).toBeCloseTo(50 + 384 - 1.5); // the last pixel covers 432..434
  });
});

describe('decodeFullRange', () => {
  const anchors = fullRangeAnchors();
  const output = (faces: { anchor: number; logit: number; reg: number[] }[]) => {
    const out = new Float32Array(FULL_ANCHORS * FULL_VALUES).fill(0);
    for (let i = 0; i < FULL_ANCHORS; i++) out[i * FULL_VALUES] = -10;
    for (const f of faces) {
      out[f.anchor * FULL_VALUES] = f.logit;
      f.reg.forEach((v, r) => {
        out[f.anchor * FULL_VALUES + 1 + r] = v;
      });
    }
    return out;
  };

  it('decodes box and keypoints relative to the anchor and scales them out of the window', () => {
    // anchor (10, 20) of the grid: centre (42, 82) in model pixels
    const anchor = 20 * 48 + 10;
    const reg = [2, -2, 20, 24, ...Array.from({ length: 12 }, (_, k) => k)];
    const win = { x: 300, y: 100, side: 384 }; // 2 frame px per model px
    const [f, ...rest] = decodeFullRange(output([{ anchor, logit: 3, reg }]), anchors, win, opts);
    expect(rest).toHaveLength(0);
    expect(f!.score).toBeCloseTo(1 / (1 + Math.exp(-3)));
    // centre (44, 80), size 20x24 in model pixels -> frame
    expect(f!.x1).toBeCloseTo(300 + (44 - 10) * 2);
    expect(f!.x2).toBeCloseTo(300 + (44 + 10) * 2);
    expect(f!.y1).toBeCloseTo(100 + (80 - 12) * 2);
    expect(f!.y2).toBeCloseTo(100 + (80 + 12) * 2);
    // keypoint 1 (right eye) = anchor + (0, 1)
    expect(f!.keypoints[0]).toBeCloseTo(300 + 42 * 2);
    expect(f!.keypoints[1]).toBeCloseTo(100 + 83 * 2);
  });

  it('drops low scores and overlapping weaker boxes, best first', () => {
    const box = [0, 0, 16, 16, ...new Array(12).fill(0)];
    const faces = decodeFullRange(
      output([
        { anchor: 100, logit: 1, reg: box },
        { anchor: 101, logit: 4, reg: box }, // 4 px right: overlaps the first
        { anchor: 1000, logit: 2, reg: box },
        { anchor: 2000, logit: -1, reg: box }, // below 0.5
      ]),
      anchors,
      { x: 0, y: 0, side: FULL_INPUT },
      opts,
    );
    expect(faces.map((f) => Math.round(f.x1 + 8))).toEqual([
      Math.round(anchors[202]!),
      Math.round(anchors[2000]!),
    ]);
  });

  it('refuses an output of the wrong size', () => {
    expect(() =>
      decodeFullRange(new Float32Array(896 * 17), anchors, { x: 0, y: 0, side: 192 }, opts),
    ).toThrow(RangeError);
  });
});

describe('mergeFaces', () => {
  const face = (x: number, y: number, s: number, score: number) => ({
    score,
    x1: x,
    y1: y,
    x2: x + s,
    y2: y + s,
    keypoints: new Float32Array(12),
  });

  it('keeps the best of overlapping faces; a face containing the centre of a kept one replaces it (tile cut)', () => {
    const kept = mergeFaces(
      [face(100, 100, 40, 0.8), face(104, 102, 40, 0.9), face(110, 110, 10, 0.95), face(300, 100, 30, 0.6)],
      0.1,
      20,
    );
    // the 10 px part-face (best score) lies inside the 0.9 face, which replaces it and drops the 0.8
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.6]);
  });
});
