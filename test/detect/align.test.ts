import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alignmentPoints,
  applyAffine,
  invertAffine,
  MESH_POINTS,
  similarityTransform,
  TEMPLATE_ID,
  TEMPLATE_UNIT,
  TEMPLATE_WEIGHTS,
  templatePoints,
  warpAffine,
} from '../../src/detect/index.js';

interface Vectors {
  templateId: string;
  unitTemplate: number[][];
  weights: number[];
  template112: number[][];
  cases: { name: string; cropSize: number; landmarks: number[][]; matrix: number[] }[];
}
const vectors = JSON.parse(
  readFileSync(new URL('../../config/alignment/aupipe-5pt-v1.json', import.meta.url), 'utf8'),
) as Vectors;

describe('alignment template and test vectors', () => {
  it('publishes the template the code uses', () => {
    expect(vectors.templateId).toBe(TEMPLATE_ID);
    expect(vectors.unitTemplate).toEqual(TEMPLATE_UNIT.map((p) => [...p]));
    expect(vectors.weights).toEqual([...TEMPLATE_WEIGHTS]);
    const t = templatePoints(112);
    for (const [i, v] of vectors.template112.flat().entries()) expect(t[i]).toBeCloseTo(v, 6);
  });

  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s: landmarks in → matrix out', (_n, c) => {
    const m = similarityTransform(c.landmarks.flat(), templatePoints(c.cropSize), TEMPLATE_WEIGHTS);
    for (const [i, v] of m.entries()) expect(v).toBeCloseTo(c.matrix[i]!, 6);
    // round trip: the inverse maps the template back onto the landmarks (exact cases) or near them (noisy)
    const inv = invertAffine(m);
    const t = templatePoints(c.cropSize);
    const tol = c.name.startsWith('noisy') ? 8 : 1e-6;
    c.landmarks.forEach(([x, y], i) => {
      const [bx, by] = applyAffine(inv, t[2 * i]!, t[2 * i + 1]!);
      expect(Math.hypot(bx - x!, by - y!)).toBeLessThan(tol);
    });
  });

  it('similarity has no reflection and inverts exactly', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.double({ min: -500, max: 500, noNaN: true }),
        (th, s, t) => {
          const src = templatePoints(112);
          const dst = Array.from(src, (_, i) =>
            i % 2 === 0
              ? s * (Math.cos(th) * src[i]! - Math.sin(th) * src[i + 1]!) + t
              : s * (Math.sin(th) * src[i - 1]! + Math.cos(th) * src[i]!) - t,
          );
          const m = similarityTransform(src, dst);
          expect(m[0] * m[4] - m[1] * m[3]).toBeGreaterThan(0);
          expect(m[0]).toBeCloseTo(s * Math.cos(th), 6);
          expect(m[3]).toBeCloseTo(s * Math.sin(th), 6);
          const back = invertAffine(invertAffine(m));
          for (const [i, v] of back.entries()) expect(v).toBeCloseTo(m[i]!, 6);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('takes eye centres, nose tip and mouth corners from the mesh', () => {
    const mesh = new Float32Array(478 * 3);
    const set = (k: number, x: number, y: number) => {
      mesh[k * 3] = x;
      mesh[k * 3 + 1] = y;
    };
    set(MESH_POINTS.eyeImageLeft[0], 10, 20);
    set(MESH_POINTS.eyeImageLeft[1], 30, 22);
    set(MESH_POINTS.eyeImageRight[0], 50, 20);
    set(MESH_POINTS.eyeImageRight[1], 70, 24);
    set(MESH_POINTS.noseTip[0], 40, 40);
    set(MESH_POINTS.mouthImageLeft[0], 25, 60);
    set(MESH_POINTS.mouthImageRight[0], 55, 61);
    expect(Array.from(alignmentPoints(mesh))).toEqual([20, 21, 60, 22, 40, 40, 25, 60, 55, 61]);
  });
});

describe('warpAffine', () => {
  const w = 40;
  const h = 30;
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) rgb.set([x * 5, y * 8, (x + y) % 256], (y * w + x) * 3);
  const img = { width: w, height: h, rgb };

  it('copies pixels under an integer translation', () => {
    const out = warpAffine(img, [1, 0, 7, 0, 1, 3], 16);
    for (let v = 0; v < 16; v++)
      for (let u = 0; u < 16; u++) {
        const s = ((v + 3) * w + u + 7) * 3;
        expect([out[(v * 16 + u) * 3], out[(v * 16 + u) * 3 + 1]]).toEqual([rgb[s], rgb[s + 1]]);
      }
  });

  it('interpolates bilinearly between pixels and leaves outside pixels black', () => {
    const out = warpAffine(img, [1, 0, 2.5, 0, 1, 4.25], 8);
    // red = 5x is linear in x, green = 8y linear in y: bilinear is exact up to rounding
    expect(out[0]).toBe(Math.round(2.5 * 5));
    expect(out[1]).toBe(Math.round(4.25 * 8));
    const outside = warpAffine(img, [1, 0, -100, 0, 1, -100], 4);
    expect(outside.every((v) => v === 0)).toBe(true);
  });

  it('rotates: a 90° map sends crop columns to source rows', () => {
    // crop (u, v) ← source (x = v, y = u)
    const out = warpAffine(img, [0, 1, 0, 1, 0, 0], 20);
    const u = 3;
    const v = 11;
    const s = (u * w + v) * 3;
    expect(Array.from(out.subarray((v * 20 + u) * 3, (v * 20 + u) * 3 + 3))).toEqual(
      Array.from(rgb.subarray(s, s + 3)),
    );
  });
});
