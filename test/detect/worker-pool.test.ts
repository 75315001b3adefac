import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createFaceDetector, type FaceDetector, iou } from '../../src/detect/index.js';
import { decodeImage } from '../../src/ingest/index.js';
import type { FaceDetection, RgbImage } from '../../src/types.js';

// with the scan on (detect.scanEvery, off by default) so the pool's scan is checked too
const cfg = { ...loadConfig({ env: {} }).detect, scanEvery: 4 };
let pool: FaceDetector;
let local: FaceDetector;
let group: RgbImage;
let single: RgbImage;

beforeAll(async () => {
  [pool, local, group, single] = await Promise.all([
    createFaceDetector({ ...cfg, workers: 2 }),
    createFaceDetector(cfg),
    decodeImage('node_modules/@vladmandic/face-api/demo/sample4.jpg'),
    decodeImage('/usr/lib/python3/dist-packages/skimage/data/astronaut.png'),
  ]);
});
afterAll(async () => {
  await local?.close();
});

const sameFaces = (a: readonly FaceDetection[], b: readonly FaceDetection[], minIou = 0.95) => {
  expect(a).toHaveLength(b.length);
  for (const f of a) expect(Math.max(...b.map((g) => iou(f.box, g.box)))).toBeGreaterThan(minIou);
};

describe('detector worker pool (detect.workers > 0)', () => {
  it('finds the same faces and meshes as the in-process detector', async () => {
    const [p, l] = await Promise.all([pool.detect(group), local.detect(group)]);
    // the four women (and, with range auto, the full-range detector's one false face on a dress pattern)
    expect(l.length).toBeGreaterThanOrEqual(4);
    sameFaces(p, l);
    expect(p[0]!.mesh).toBeInstanceOf(Float32Array);
    expect(p[0]!.mesh.length).toBe(l[0]!.mesh.length);
  });

  it('reads a frame in shared memory (the ingest pool) in place, and leaves the caller its pixels', async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(group.rgb.byteLength));
    shared.set(group.rgb);
    const img = { ...group, rgb: shared };
    const [p, l] = await Promise.all([pool.detect(img), local.detect(group)]);
    sameFaces(p, l);
    expect(p.map((f) => [...f.mesh.slice(0, 30)])).toEqual(l.map((f) => [...f.mesh.slice(0, 30)]));
    // not transferred away: a plain frame goes as a copy, a shared one is not moved
    expect(shared.byteLength).toBe(group.rgb.byteLength);
    expect(group.rgb.byteLength).toBeGreaterThan(0);
  });

  it('serves concurrent detect and follow calls from several streams, each with its own answer', async () => {
    const g = await pool.detect(group);
    const s = await pool.detect(single);
    const results = await Promise.all([
      pool.follow!(group, g),
      pool.follow!(single, s),
      pool.detect(group),
      pool.detect(single),
    ]);
    expect(g.length).toBeGreaterThanOrEqual(4);
    expect(results.map((r) => r.length)).toEqual([g.length, 1, g.length, 1]);
    // follow boxes come from the refined mesh, so they sit a little off the detector's boxes
    sameFaces(results[0]!, g, 0.8);
    sameFaces(results[1]!, s, 0.8);
    sameFaces(results[2]!, g);
    sameFaces(results[3]!, s);
  });

  it("scans like the in-process detector: the SSD's faces, none of the known ones", async () => {
    expect(pool.scan, 'the pool scans (detect.scanEvery > 0)').toBeDefined();
    const [p, l] = await Promise.all([pool.scan!(group, []), local.scan!(group, [])]);
    // with nothing known, the SSD's mesh-confirmed faces: the four women
    expect(l.length).toBeGreaterThanOrEqual(4);
    sameFaces(p, l);
    // with the detector's faces known, none of them again
    const known = await local.detect(group);
    const again = await pool.scan!(group, known);
    for (const f of again) expect(Math.max(...known.map((k) => iou(f.box, k.box)))).toBeLessThan(0.3);
  });

  it('refuses calls after close with DETECTOR_CLOSED', async () => {
    await pool.close();
    await expect(pool.detect(single)).rejects.toMatchObject({ code: 'DETECTOR_CLOSED' });
  });
});
