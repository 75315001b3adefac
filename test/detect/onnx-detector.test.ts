/**
 * The ONNX detector runtime against the tfjs one it replaces: the two find the same faces with nearly
 * the same meshes (the graphs themselves: onnx-graphs.test.ts); load errors name the file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, PACKAGE_ROOT } from '../../src/config/index.js';
import { createFaceDetector, type FaceDetector, iou } from '../../src/detect/index.js';
import { createOnnxDetector } from '../../src/detect/onnx-detector.js';
import { decodeImage } from '../../src/ingest/image.js';
import type { FaceDetection } from '../../src/types.js';

const photo = (f: string) => path.join(PACKAGE_ROOT, 'node_modules/@vladmandic/face-api/demo', f);

describe('onnx and tfjs detector runtimes', () => {
  let onnx: FaceDetector;
  let tfjs: FaceDetector;
  beforeAll(async () => {
    // the tfjs runtime has the short-range detector only: compare the two on it
    onnx = await createFaceDetector(
      configSchema.parse({ detect: { backend: 'onnx', range: 'short' } }).detect,
    );
    tfjs = await createFaceDetector(configSchema.parse({ detect: { backend: 'tfjs' } }).detect);
  });
  afterAll(async () => {
    await Promise.all([onnx.close(), tfjs.close()]);
  });

  /** Mean distance between corresponding mesh points, as a fraction of the face box side. */
  const meshGap = (a: FaceDetection, b: FaceDetection) => {
    let s = 0;
    for (let i = 0; i < 468; i++)
      s += Math.hypot(a.mesh[i * 3]! - b.mesh[i * 3]!, a.mesh[i * 3 + 1]! - b.mesh[i * 3 + 1]!);
    return s / 468 / Math.max(a.box.w, a.box.h);
  };

  it('find the same faces on group photos, with meshes a few percent of the face apart', async () => {
    const gaps: number[] = [];
    for (const f of ['sample1.jpg', 'sample3.jpg', 'sample4.jpg', 'sample6.jpg']) {
      const img = await decodeImage(photo(f));
      const [a, b] = [await onnx.detect(img), await tfjs.detect(img)];
      expect(a.length).toBe(b.length);
      for (const d of a) {
        const twin = b.reduce((x, y) => (iou(y.box, d.box) > iou(x.box, d.box) ? y : x));
        expect(iou(twin.box, d.box)).toBeGreaterThan(0.7);
        expect(d.mesh.length).toBe(468 * 3);
        gaps.push(meshGap(d, twin));
      }
    }
    gaps.sort((x, y) => x - y);
    expect(gaps.length).toBe(14);
    expect(gaps[Math.floor(gaps.length / 2)]!).toBeLessThan(0.02); // median under 2% of the face
    expect(gaps[gaps.length - 1]!).toBeLessThan(0.1);
  });

  it('follow re-finds a face from its previous detection with the mesh in place', async () => {
    const img = await decodeImage(photo('sample6.jpg'));
    const faces = await onnx.detect(img);
    const again = await onnx.follow!(img, faces);
    expect(again.length).toBe(faces.length);
    for (const [i, f] of again.entries()) expect(meshGap(f, faces[i]!)).toBeLessThan(0.03);
  });
});

describe('iris on the onnx runtime', () => {
  it('adds the two irises (478 points) inside each eye, the left one where the tfjs runtime puts it', async () => {
    const onnx = await createFaceDetector(
      configSchema.parse({ detect: { iris: true, range: 'short' } }).detect,
    );
    const tfjs = await createFaceDetector(
      configSchema.parse({ detect: { iris: true, backend: 'tfjs' } }).detect,
    );
    const gaps: number[] = [];
    try {
      for (const f of ['sample1.jpg', 'sample6.jpg']) {
        const img = await decodeImage(photo(f));
        const [a, b] = [await onnx.detect(img), await tfjs.detect(img)];
        expect(a.length).toBe(b.length);
        for (const d of a) {
          expect(d.mesh.length).toBe(478 * 3);
          const m = d.mesh;
          const iod = Math.hypot(m[33 * 3]! - m[263 * 3]!, m[33 * 3 + 1]! - m[263 * 3 + 1]!);
          // each iris centre lies within its eye: closer to the eye's own corners than the eye is wide
          for (const [iris, outer, inner] of [
            [468, 263, 362],
            [473, 33, 133],
          ] as const) {
            const width = Math.hypot(m[outer * 3]! - m[inner * 3]!, m[outer * 3 + 1]! - m[inner * 3 + 1]!);
            for (const c of [outer, inner])
              expect(Math.hypot(m[iris * 3]! - m[c * 3]!, m[iris * 3 + 1]! - m[c * 3 + 1]!)).toBeLessThan(
                width,
              );
          }
          const twin = b.reduce((x, y) => (iou(y.box, d.box) > iou(x.box, d.box) ? y : x));
          gaps.push(
            Math.hypot(m[468 * 3]! - twin.mesh[468 * 3]!, m[468 * 3 + 1]! - twin.mesh[468 * 3 + 1]!) / iod,
          );
        }
      }
    } finally {
      await Promise.all([onnx.close(), tfjs.close()]);
    }
    // (the right iris is not compared: human mirrors the right eye's crop but not its points back)
    gaps.sort((x, y) => x - y);
    expect(gaps[Math.floor(gaps.length / 2)]!).toBeLessThan(0.02);
  });
});

describe('onnx detector errors', () => {
  it('names the missing model file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aupipe-nomodel-'));
    const cfg = configSchema.parse({}).detect;
    await expect(createOnnxDetector(cfg, dir)).rejects.toThrow(/blazeface\.onnx is missing/);
    await expect(createOnnxDetector({ ...cfg, range: 'full' }, dir)).rejects.toThrow(
      /blazeface-full\.onnx is missing/,
    );
  });

  it('refuses a corrupt model file with the file named', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aupipe-badmodel-'));
    writeFileSync(path.join(dir, 'blazeface.onnx'), 'not a model');
    writeFileSync(path.join(dir, 'blazeface-full.onnx'), 'not a model');
    writeFileSync(path.join(dir, 'facemesh.onnx'), 'not a model');
    await expect(createOnnxDetector(configSchema.parse({}).detect, dir)).rejects.toThrow(
      /face detector model .*\.onnx failed to load/,
    );
  });

  it('cuda requested without the CUDA provider libraries is a clear error; auto falls back to CPU', async () => {
    // This host has no CUDA provider libraries (onnxruntime-node installed with ONNXRUNTIME_NODE_INSTALL=skip).
    const cfg = configSchema.parse({}).detect;
    await expect(createOnnxDetector({ ...cfg, provider: 'cuda' })).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      message: expect.stringMatching(
        /execution provider cuda could not be loaded.*detect\.provider=cpu or auto/,
      ),
    });
    const auto = await createOnnxDetector({ ...cfg, provider: 'auto' });
    const img = await decodeImage(photo('sample3.jpg'));
    expect((await auto.detect(img)).length).toBe(3);
    await auto.close();
  });
});
