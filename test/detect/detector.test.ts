import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, PACKAGE_ROOT } from '../../src/config/index.js';
import {
  alignFace,
  alignmentPoints,
  applyAffine,
  createFaceDetector,
  cropRegion,
  detectTiled,
  type FaceDetector,
  invertAffine,
  iou,
  templatePoints,
  warpAffine,
} from '../../src/detect/index.js';
import { decodeImage } from '../../src/ingest/image.js';
import type { Box, RgbImage } from '../../src/types.js';

interface Expectations {
  images: { file: string; faces: [number, number, number, number][] }[];
}
const expectations = JSON.parse(
  readFileSync(new URL('../fixtures/detect-expectations.json', import.meta.url), 'utf8'),
) as Expectations;
const cfg = configSchema.parse({}).detect;
const resolve = (f: string) => (path.isAbsolute(f) ? f : path.join(PACKAGE_ROOT, f));

function matches(det: Box, [x, y, w, h]: number[]): boolean {
  const exp = { x: x!, y: y!, w: w!, h: h! };
  const cx = det.x + det.w / 2;
  const cy = det.y + det.h / 2;
  return iou(det, exp) >= 0.3 || (cx >= exp.x && cx <= exp.x + exp.w && cy >= exp.y && cy <= exp.y + exp.h);
}

let detector: FaceDetector;
beforeAll(async () => {
  detector = await createFaceDetector(cfg);
});
afterAll(async () => {
  await detector.close();
});

describe('face detector on real photos', () => {
  // detections that match no face a person sees, over all photos (the default detector finds one: a
  // geometric dress pattern in sample4.jpg, in a native-resolution tile; the short-range one none)
  const extras: string[] = [];
  afterAll(() => {
    console.log(`false faces on the photos: ${extras.length} ${extras.join(', ')}`);
    expect(extras.length).toBeLessThanOrEqual(1);
  });
  it.each(expectations.images.map((e) => [path.basename(e.file), e] as const))(
    '%s: finds each face a person sees, once',
    async (name, e) => {
      const img = await decodeImage(resolve(e.file));
      const faces = await detector.detect(img);
      for (const exp of e.faces) expect(faces.filter((f) => matches(f.box, exp)).length).toBe(1);
      for (const f of faces)
        if (!e.faces.some((exp) => matches(f.box, exp)))
          extras.push(`${name} at ${Math.round(f.box.x)},${Math.round(f.box.y)}`);
      for (const f of faces) {
        // the two-score gate: a face the detector is sure of needs only minMeshScore from the mesh
        expect(f.score).toBeGreaterThanOrEqual(Math.min(cfg.minScore, cfg.minMeshScore));
        expect([468, 478]).toContain(f.mesh.length / 3);
        // the mesh lies on the face: its centroid is inside the box
        let mx = 0;
        let my = 0;
        for (let i = 0; i < f.mesh.length; i += 3) {
          mx += f.mesh[i]!;
          my += f.mesh[i + 1]!;
        }
        mx /= f.mesh.length / 3;
        my /= f.mesh.length / 3;
        expect(mx).toBeGreaterThan(f.box.x);
        expect(mx).toBeLessThan(f.box.x + f.box.w);
        expect(my).toBeGreaterThan(f.box.y);
        expect(my).toBeLessThan(f.box.y + f.box.h);
      }
    },
  );

  it('respects maxFaces and minFaceSize', async () => {
    const img = await decodeImage(resolve(expectations.images[4]!.file));
    const two = await createFaceDetector({ ...cfg, maxFaces: 2 });
    expect((await two.detect(img)).length).toBe(2);
    const big = await createFaceDetector({ ...cfg, minFaceSize: 340 });
    const faces = await big.detect(img);
    expect(faces.length).toBe(2); // only the two faces wider than 340 px in sample5
    for (const f of faces) expect(Math.min(f.box.w, f.box.h)).toBeGreaterThanOrEqual(340);
    await Promise.all([two.close(), big.close()]);
  });
});

describe('range auto on a small, low-resolution image of one face', () => {
  it('finds it through the short-range fallback, where the full-range detector alone does not', async () => {
    // a 160 px crop around an 80 px thumbnail of human's face-match screenshot (a yardstick face)
    const shot = await decodeImage(resolve('node_modules/@vladmandic/human/assets/screenshot-facematch.jpg'));
    const img = cropRegion(shot, 718, 257, 160, 160);
    const full = await createFaceDetector({ ...cfg, range: 'full' });
    const fullFaces = await full.detect(img);
    await full.close();
    const faces = await detector.detect(img);
    console.log(`thumbnail: full-range ${fullFaces.length} face(s), auto ${faces.length}`);
    expect(fullFaces).toHaveLength(0);
    expect(faces).toHaveLength(1);
    expect(matches(faces[0]!.box, [40, 40, 80, 80])).toBe(true);
  });
});

describe('tiled detection of large stills (detectTiled around the short-range detector)', () => {
  let detector: FaceDetector;
  beforeAll(async () => {
    detector = await createFaceDetector({ ...cfg, range: 'short' });
  });
  afterAll(async () => {
    await detector.close();
  });
  it('finds a small face in a large image that whole-image detection misses, and adds nothing else', async () => {
    const src = await decodeImage(resolve('/usr/lib/python3/dist-packages/skimage/data/astronaut.png'));
    // astronaut at 0.15x (face ~22 px, under 2% of the longer side) at (700, 500) in a 1280x960 canvas
    const big = warpAffine(src, invertAffine([0.15, 0, 700, 0, 0.15, 500]), 1280).subarray(0, 1280 * 960 * 3);
    const img = { width: 1280, height: 960, rgb: big };
    expect((await detector.detect(img)).length).toBe(0);
    const faces = await detectTiled(detector, img);
    expect(faces.length).toBe(1);
    expect(matches(faces[0]!.box, [700 + 152 * 0.15, 500 + 49 * 0.15, 145 * 0.15, 145 * 0.15])).toBe(true);
    const group = expectations.images[4]!;
    const g = await detectTiled(detector, await decodeImage(resolve(group.file)));
    expect(g.length).toBe(group.faces.length);
  });
});

describe('alignment of a rotated and scaled face', () => {
  it('puts the eyes within 2 px of the template after a 20° rotation and 0.8x scale', async () => {
    const src = await decodeImage(resolve('/usr/lib/python3/dist-packages/skimage/data/astronaut.png'));
    const [upright] = await detector.detect(src);
    expect(upright).toBeDefined();
    // Rotate by 20° and scale by 0.8 about the image centre with our own warp (into a 600x600 canvas).
    const th = (20 * Math.PI) / 180;
    const s = 0.8;
    const c = 300;
    const fwd = [s * Math.cos(th), -s * Math.sin(th), 0, s * Math.sin(th), s * Math.cos(th), 0];
    fwd[2] = c - (fwd[0]! * 256 + fwd[1]! * 256);
    fwd[5] = c - (fwd[3]! * 256 + fwd[4]! * 256);
    const rotated: RgbImage = { width: 600, height: 600, rgb: warpAffine(src, invertAffine(fwd), 600) };
    const [face] = await detector.detect(rotated);
    expect(face).toBeDefined();
    const crop = alignFace(rotated, face!.mesh, 112);
    expect(crop.templateId).toBe('aupipe-5pt-v1');
    // Ground truth: eye centres found on the upright photo, carried through the known rotation, then
    // into the crop by the inverse of crop.toSource.
    const truth = alignmentPoints(upright!.mesh);
    const toCrop = invertAffine(crop.toSource);
    const t = templatePoints(112);
    for (const k of [0, 1]) {
      const [rx, ry] = applyAffine(fwd, truth[2 * k]!, truth[2 * k + 1]!);
      const [u, v] = applyAffine(toCrop, rx, ry);
      expect(Math.hypot(u - t[2 * k]!, v - t[2 * k + 1]!)).toBeLessThan(2);
    }
    // And the crop holds an upright face: detecting on it (enlarged) finds one with level eyes.
    const big = warpAffine(crop, [0.5, 0, -0.25, 0, 0.5, -0.25], 224);
    const [again] = await detector.detect({ width: 224, height: 224, rgb: big });
    expect(again).toBeDefined();
    const p = alignmentPoints(again!.mesh);
    const roll = (Math.atan2(p[3]! - p[1]!, p[2]! - p[0]!) * 180) / Math.PI;
    expect(Math.abs(roll)).toBeLessThan(5);
  });
});
