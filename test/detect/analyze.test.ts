import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnalyzeResult, analyzeImages } from '../../src/analyze.js';
import { configSchema, PACKAGE_ROOT } from '../../src/config/index.js';
import { createFaceDetector, type FaceDetector } from '../../src/detect/index.js';
import type { FaceObservation } from '../../src/types.js';

const ASTRO = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
const MESSI = '/usr/share/doc/opencv-doc/examples/data/messi5.jpg';
const NOT_IMAGE = path.join(PACKAGE_ROOT, 'package.json');

let detector: FaceDetector;
const handlers = () =>
  process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection');
let handlersBefore = 0;
beforeAll(async () => {
  handlersBefore = handlers();
  detector = await createFaceDetector(configSchema.parse({}).detect);
});
afterAll(async () => {
  await detector.close();
});

type Ok = Extract<AnalyzeResult, { faces: unknown }>;

describe('analyzeImages', () => {
  it('reports faces per image, and a coded error for a non-image without stopping', async () => {
    const seen: FaceObservation[][] = [];
    // A real (if simple) estimator: mean brightness of the aligned crop, to show crops reach it.
    const estimate = async (faces: FaceObservation[]) => {
      seen.push(faces);
      return faces.map((f) => ({
        brightness: f.crop.rgb.reduce((s, v) => s + v, 0) / f.crop.rgb.length / 255,
      }));
    };
    const res = await analyzeImages([ASTRO, NOT_IMAGE, MESSI], { detector, estimate }, { mesh: true });
    expect(res.map((r) => r.file)).toEqual([ASTRO, NOT_IMAGE, MESSI]);
    const bad = res[1]!;
    expect('error' in bad && bad.error.code).toBe('NOT_AN_IMAGE');
    const astro = res[0] as Ok;
    expect([astro.width, astro.height]).toEqual([512, 512]);
    expect(astro.faces.length).toBe(1);
    const face = astro.faces[0]!;
    const [x, y, w, h] = face.box;
    expect(x).toBeGreaterThan(120);
    expect(x + w).toBeLessThan(330);
    expect(y).toBeGreaterThan(20);
    expect(y + h).toBeLessThan(230);
    expect(face.landmarks.length).toBe(5);
    for (const [lx, ly] of face.landmarks) {
      expect(lx).toBeGreaterThan(x);
      expect(lx).toBeLessThan(x + w);
      expect(ly).toBeGreaterThan(y);
      expect(ly).toBeLessThan(y + h);
    }
    // eyes above the nose, nose above the mouth corners
    expect(face.landmarks[0]![1]!).toBeLessThan(face.landmarks[2]![1]!);
    expect(face.landmarks[2]![1]!).toBeLessThan(face.landmarks[3]![1]!);
    expect([468, 478]).toContain(face.mesh?.length);
    expect(face.au?.brightness).toBeGreaterThan(0.2);
    expect((res[2] as Ok).faces.length).toBe(1);
    expect(seen.map((s) => s.length)).toEqual([1, 1]);
    expect(seen[0]![0]!.crop.width).toBe(112);
  });

  it('leaves the mesh and scores out unless asked', async () => {
    const [r] = await analyzeImages([ASTRO], { detector });
    const face = (r as Ok).faces[0]!;
    expect(face.mesh).toBeUndefined();
    expect(face.au).toBeUndefined();
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('leaves no process-wide error handlers behind (the wasm glue installs some)', () => {
    expect(handlers()).toBe(handlersBefore);
  });
});
