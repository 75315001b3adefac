import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshMeasures } from '../../src/classify/mesh/index.js';
import { configSchema } from '../../src/config/index.js';
import {
  displacementField,
  type Handle,
  WARP_KINDS,
  warpFace,
  warpHandles,
  warpImage,
} from '../../src/dataset/index.js';
import { createFaceDetector, type FaceDetector } from '../../src/detect/index.js';
import { decodeImage } from '../../src/ingest/image.js';
import type { FaceDetection, RgbImage } from '../../src/types.js';

function blank(w: number, h: number, v = 0): RgbImage {
  return { width: w, height: h, rgb: new Uint8Array(w * h * 3).fill(v) };
}

describe('displacement field (pure)', () => {
  const handles: Handle[] = [
    { x: 50, y: 50, dx: 6, dy: -3 },
    { x: 54, y: 50, dx: 0, dy: 0 }, // an anchor right next to a moving handle
    { x: 20, y: 80, dx: -2, dy: 4 },
  ];
  const f = displacementField(handles, 8);

  it('never overshoots the largest move, even between a handle and a close anchor', () => {
    const max = Math.max(...handles.map((h) => Math.hypot(h.dx, h.dy)));
    for (let y = 0; y < 120; y += 2)
      for (let x = 0; x < 120; x += 2) {
        const [dx, dy] = f.at(x, y);
        expect(Math.hypot(dx, dy)).toBeLessThanOrEqual(max + 1e-9);
      }
  });

  it('fades to nothing beyond its reach and reaches a lone handle’s move up to the rest weight', () => {
    const [fx, fy] = f.at(50 + f.reach + 30, 50);
    expect(Math.hypot(fx, fy)).toBeLessThan(1e-3 * 6.7);
    const lone = displacementField([{ x: 10, y: 10, dx: 4, dy: 0 }], 5, 0.05);
    expect(lone.at(10, 10)[0]).toBeCloseTo(4 / 1.05, 6);
  });

  it('warpImage leaves the image alone without handles or with zero moves, and moves a dot with a handle', () => {
    const img = blank(60, 40, 10);
    const at = (x: number, y: number) => (y * 60 + x) * 3;
    img.rgb.set([250, 250, 250], at(20, 20));
    expect(Buffer.from(warpImage(img, displacementField([], 5)).rgb).equals(Buffer.from(img.rgb))).toBe(true);
    const still = displacementField([{ x: 20, y: 20, dx: 0, dy: 0 }], 5);
    expect(Buffer.from(warpImage(img, still).rgb).equals(Buffer.from(img.rgb))).toBe(true);
    // A wide field moving everything near the dot 5 px right: the dot lands ~4.8 px right.
    const out = warpImage(img, displacementField([{ x: 20, y: 20, dx: 5, dy: 0 }], 20));
    let best = 0;
    let bx = -1;
    for (let x = 0; x < 60; x++) {
      const v = out.rgb[at(x, 20)] as number;
      if (v > best) [best, bx] = [v, x];
    }
    expect(bx).toBeGreaterThanOrEqual(24);
    expect(bx).toBeLessThanOrEqual(25);
  });
});

describe('mesh warps on a real face (real detector, labels from the re-detected mesh)', () => {
  let detector: FaceDetector;
  let img: RgbImage;
  let face: FaceDetection;
  beforeAll(async () => {
    detector = await createFaceDetector(configSchema.parse({}).detect);
    img = await decodeImage('/usr/lib/python3/dist-packages/skimage/data/astronaut.png');
    const [d] = await detector.detect(img);
    if (!d) throw new Error('no face in astronaut.png');
    face = d;
  }, 60_000);
  afterAll(() => detector?.close());

  it('handles turn and scale with the face: same moves in the face frame at any roll and size', () => {
    const rotate = (m: Float32Array, deg: number, k: number) => {
      const a = (deg * Math.PI) / 180;
      const out = new Float32Array(m);
      for (let i = 0; i < m.length; i += 3) {
        const x = m[i] as number;
        const y = m[i + 1] as number;
        out[i] = k * (Math.cos(a) * x - Math.sin(a) * y);
        out[i + 1] = k * (Math.sin(a) * x + Math.cos(a) * y);
      }
      return out;
    };
    for (const kind of WARP_KINDS) {
      const base = warpHandles(face.mesh, { kind, strength: 1 });
      const turned = warpHandles(rotate(face.mesh, 25, 1.5), { kind, strength: 1 });
      expect(turned.length).toBe(base.length);
      const a = (25 * Math.PI) / 180;
      for (const [i, h] of base.entries()) {
        const t = turned[i] as Handle;
        expect(t.dx).toBeCloseTo(1.5 * (Math.cos(a) * h.dx - Math.sin(a) * h.dy), 3);
        expect(t.dy).toBeCloseTo(1.5 * (Math.sin(a) * h.dx + Math.cos(a) * h.dy), 3);
      }
      // Strength 0: every handle still.
      for (const h of warpHandles(face.mesh, { kind, strength: 0 })) expect(Math.hypot(h.dx, h.dy)).toBe(0);
    }
  });

  it('each warp raises its own AU measure on the face detected again in the warped image', async () => {
    const before = meshMeasures(face.mesh);
    const remeasured = async (kind: (typeof WARP_KINDS)[number]) => {
      const [d] = await detector.detect(warpFace(img, face.mesh, { kind, strength: 1 }));
      if (!d) throw new Error(`face lost after ${kind}`);
      return meshMeasures(d.mesh);
    };
    const pull = await remeasured('lipCornerPull');
    expect(pull.AU12).toBeGreaterThan(before.AU12 + 0.02);
    const jaw = await remeasured('jawDrop');
    expect(jaw.AU26).toBeGreaterThan(before.AU26 + 0.05);
    const brow = await remeasured('browRaise');
    expect(brow.AU1 + brow.AU2).toBeGreaterThan(before.AU1 + before.AU2 + 0.01);
  }, 60_000);
});
