import { describe, expect, it } from 'vitest';
import {
  BLAZE_ANCHORS,
  blazeAnchors,
  blazeSeed,
  decodeAnchors,
  decodeBlazeFace,
  MESH_BOX_SCALE,
  scaledSeed,
} from '../../src/detect/blazeface.js';
import { MESH_INPUT, MIN_ROLL, meshFaces, seedTransform } from '../../src/detect/face-mesh.js';
import { applyAffine } from '../../src/detect/index.js';

const anchors = blazeAnchors();
const opts = { minScore: 0.5, iouThreshold: 0.1, maxFaces: 10 };

/** Raw model outputs with every anchor far below threshold, then `set` anchors made confident. */
function outputs(set: { i: number; logit: number; box: [number, number, number, number] }[]) {
  const logits = new Float32Array(BLAZE_ANCHORS).fill(-10);
  const regs = new Float32Array(BLAZE_ANCHORS * 16);
  for (const s of set) {
    logits[s.i] = s.logit;
    regs.set(s.box, s.i * 16);
    // keypoints: eyes level, nose above the mouth (an upright face), relative to the anchor
    regs.set([-10, -8, 10, -8, 0, 0, 0, 10, -20, -5, 20, -5], s.i * 16 + 4);
  }
  return { logits, regs };
}

describe('blazeface anchors', () => {
  it('lays out 16x16x2 then 8x8x6 anchors at cell centres, as the model expects', () => {
    expect(anchors.length / 2).toBe(BLAZE_ANCHORS);
    expect([anchors[0], anchors[1], anchors[2], anchors[3]]).toEqual([8, 8, 8, 8]);
    expect([anchors[4], anchors[5]]).toEqual([24, 8]);
    expect([anchors[512 * 2], anchors[512 * 2 + 1]]).toEqual([16, 16]);
    expect([anchors[BLAZE_ANCHORS * 2 - 2], anchors[BLAZE_ANCHORS * 2 - 1]]).toEqual([240, 240]);
  });
});

describe('decodeBlazeFace', () => {
  it('decodes a box and keypoints relative to their anchor', () => {
    const { logits, regs } = outputs([{ i: 100, logit: 3, box: [2, -4, 40, 50] }]);
    const [f, ...rest] = decodeBlazeFace(logits, regs, anchors, opts);
    expect(rest).toEqual([]);
    const ax = anchors[200]!;
    const ay = anchors[201]!;
    expect(f!.score).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
    expect([f!.x1, f!.y1, f!.x2, f!.y2]).toEqual([ax + 2 - 20, ay - 4 - 25, ax + 2 + 20, ay - 4 + 25]);
    expect([f!.keypoints[0], f!.keypoints[1]]).toEqual([ax - 10, ay - 8]);
  });

  it('keeps the best of overlapping boxes, keeps separate faces, honours maxFaces and the score floor', () => {
    const { logits, regs } = outputs([
      { i: 10, logit: 2, box: [0, 0, 40, 40] },
      { i: 11, logit: 4, box: [1, 1, 40, 40] }, // same anchor cell, overlaps: suppressed unless best
      { i: 300, logit: 1, box: [0, 0, 30, 30] }, // far away
      { i: 600, logit: -0.5, box: [0, 0, 30, 30] }, // score 0.38 < 0.5
    ]);
    const faces = decodeBlazeFace(logits, regs, anchors, opts);
    expect(faces.map((f) => f.score.toFixed(3))).toEqual([
      (1 / (1 + Math.exp(-4))).toFixed(3),
      (1 / (1 + Math.exp(-1))).toFixed(3),
    ]);
    expect(decodeBlazeFace(logits, regs, anchors, { ...opts, maxFaces: 1 })).toHaveLength(1);
  });

  it('reads an interleaved layout in place (logit then 16 regressors per anchor) as the split one, to the score edge', () => {
    const { logits, regs } = outputs([
      { i: 10, logit: 2, box: [0, 0, 40, 40] },
      { i: 300, logit: 1, box: [0, 0, 30, 30] },
      { i: 500, logit: 1e-7, box: [0, 0, 30, 30] }, // sigmoid just over 0.5
      { i: 600, logit: -1e-7, box: [0, 0, 30, 30] }, // just under
      { i: 700, logit: 0, box: [0, 0, 30, 30] }, // exactly 0.5: not over the floor
    ]);
    const inter = new Float32Array(BLAZE_ANCHORS * 17);
    for (let i = 0; i < BLAZE_ANCHORS; i++) {
      inter[i * 17] = logits[i]!;
      inter.set(regs.subarray(i * 16, i * 16 + 16), i * 17 + 1);
    }
    const layout = { logits: inter, logitAt: 0, logitStride: 17, regressors: inter, regAt: 1, regStride: 17 };
    const split = decodeBlazeFace(logits, regs, anchors, opts);
    expect(split.map((f) => f.score > 0.5)).toEqual([true, true, true]);
    expect(decodeAnchors(layout, anchors, opts)).toEqual(split);
  });

  it('refuses outputs of the wrong size', () => {
    expect(() => decodeBlazeFace(new Float32Array(10), new Float32Array(160), anchors, opts)).toThrow(
      RangeError,
    );
  });
});

describe('blazeSeed', () => {
  const face = (angle: number) => {
    // mouth 20 px below the nose along the face's up axis, rotated by `angle` (image y down)
    const up = [Math.sin(angle), -Math.cos(angle)];
    const kp = new Float32Array(12);
    kp.set([100, 100], 4); // nose
    kp.set([100 - 20 * up[0]!, 100 - 20 * up[1]!], 6); // mouth
    return { score: 0.9, x1: 80, y1: 70, x2: 120, y2: 130, keypoints: kp };
  };

  it('scales the box back to the frame, enlarges it 1.4x and squares it', () => {
    const s = blazeSeed(face(0), 512, 256, true);
    expect(s.cx).toBeCloseTo(200, 6);
    expect(s.cy).toBeCloseTo(100, 6);
    expect(s.side).toBeCloseTo(Math.max(40 * 2, 60) * MESH_BOX_SCALE, 6);
  });

  it("takes another detector's box convention as its enlargement, same centre", () => {
    const s = scaledSeed(face(0), 1, 1, false, 1.58);
    expect([s.cx, s.cy]).toEqual([100, 100]);
    expect(s.side).toBeCloseTo(60 * 1.58, 6);
  });

  it('reads the roll from the mouth-nose line, and ignores small tilts or rotation off', () => {
    expect(blazeSeed(face(0.5), 256, 256, true).roll).toBeCloseTo(0.5, 6);
    expect(blazeSeed(face(-0.8), 256, 256, true).roll).toBeCloseTo(-0.8, 6);
    expect(blazeSeed(face(MIN_ROLL / 2), 256, 256, true).roll).toBe(0);
    expect(blazeSeed(face(0.5), 256, 256, false).roll).toBe(0);
  });
});

describe('meshFaces (crop and back-projection math)', () => {
  const img = { width: 400, height: 300, rgb: new Uint8Array(400 * 300 * 3).fill(90) };

  it('maps crop pixels onto the seed square, rotated by its roll', () => {
    const seed = { cx: 200, cy: 150, side: 96, roll: Math.PI / 6 };
    const t = seedTransform(seed);
    const [x, y] = applyAffine(t, MESH_INPUT / 2 - 0.5, MESH_INPUT / 2 - 0.5);
    expect(x).toBeCloseTo(200, 6);
    expect(y).toBeCloseTo(150, 6);
    // one crop pixel to the right is side/192 frame pixels along the rolled x axis
    const [x2, y2] = applyAffine(t, MESH_INPUT / 2 + 0.5, MESH_INPUT / 2 - 0.5);
    expect(x2 - x).toBeCloseTo(0.5 * Math.cos(Math.PI / 6), 6);
    expect(y2 - y).toBeCloseTo(0.5 * Math.sin(Math.PI / 6), 6);
  });

  it('feeds the model normalised crops in one batch and keeps faces above the score floor', async () => {
    const seeds = [
      { cx: 100, cy: 100, side: 80, roll: 0 },
      { cx: 300, cy: 150, side: 120, roll: 0.3 },
    ];
    const batches: number[] = [];
    // A stand-in for the mesh model (the real one is covered in onnx-detector.test.ts): every point
    // at the crop centre, the second face below the score floor.
    const faces = await meshFaces(
      img,
      seeds,
      async (input, n) => {
        batches.push(n);
        expect(input.length).toBe(n * MESH_INPUT * MESH_INPUT * 3);
        expect(input[0]).toBeCloseTo(90 / 255, 6);
        return [0.9, 0.2].map((score) => ({
          score,
          raw: new Float32Array(1404).fill(MESH_INPUT / 2),
        }));
      },
      0.5,
    );
    expect(batches).toEqual([2]);
    expect(faces).toHaveLength(1);
    expect(faces[0]!.mesh[0]).toBeCloseTo(100, 4);
    expect(faces[0]!.mesh[1]).toBeCloseTo(100, 4);
    expect(faces[0]!.box).toEqual({ x: 60, y: 60, w: 80, h: 80 });
  });
});
