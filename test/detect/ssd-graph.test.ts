/**
 * models/detect/ssd-mobilenetv1.onnx (rebuilt in PyTorch from face-api's SSD-MobileNetV1 weights by
 * `python3 -m training face-api-ssd`) computes what face-api's own tfjs forward pass computes, on a real photo;
 * and detectSsd finds that photo's faces where face-api's detectAllFaces finds them. (A file of its own: it loads
 * face-api's bundled tfjs-wasm.)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config/index.js';
import { detectSsd, detectWindows, SSD_ANCHORS, SSD_INPUT } from '../../src/detect/index.js';
import { DETECT_MODEL_DIR } from '../../src/detect/onnx-detector.js';
import { decodeImage } from '../../src/ingest/image.js';
import { openOrtInference, tensor } from '../../src/runtime/index.js';

const require = createRequire(import.meta.url);
const FACE_API = path.join(PACKAGE_ROOT, 'node_modules/@vladmandic/face-api');
const photo = (f: string) => path.join(FACE_API, 'demo', f);

// biome-ignore lint/suspicious/noExplicitAny: face-api's CJS bundle has no types on this path
type Any = any;

async function faceApi(): Promise<Any> {
  const faceapi = require(path.join(FACE_API, 'dist/face-api.node-wasm.js')) as Any;
  await faceapi.tf.setBackend('wasm');
  await faceapi.tf.ready();
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(path.join(FACE_API, 'model'));
  return faceapi;
}

/** The photo letterboxed into 512² at the top left (face-api pads bottom/right), as 0..255 floats, HWC. */
async function letterboxed(file: string): Promise<{ input: Float32Array; scale: number }> {
  const img = await decodeImage(file);
  const side = Math.max(img.width, img.height);
  const k = SSD_INPUT / side;
  const input = new Float32Array(SSD_INPUT * SSD_INPUT * 3);
  // nearest-pixel resample: both sides see the same input, so the sampler does not matter here
  for (let y = 0; y < SSD_INPUT; y++)
    for (let x = 0; x < SSD_INPUT; x++) {
      const sx = Math.floor(x / k);
      const sy = Math.floor(y / k);
      if (sx >= img.width || sy >= img.height) continue;
      for (let c = 0; c < 3; c++)
        input[(y * SSD_INPUT + x) * 3 + c] = img.rgb[(sy * img.width + sx) * 3 + c]!;
    }
  return { input, scale: k };
}

describe('face-api SSD-MobileNetV1 in ONNX', () => {
  it('gives face-api tfjs forward-pass boxes and scores on a real photo (all 5118 anchors)', async () => {
    const faceapi = await faceApi();
    const { input } = await letterboxed(photo('sample1.jpg'));
    const t = faceapi.tf.tensor4d(input, [1, SSD_INPUT, SSD_INPUT, 3]);
    const ref = faceapi.nets.ssdMobilenetv1.forwardInput(await faceapi.toNetInput(t));
    const wantBoxes = (await ref.boxes[0].data()) as Float32Array;
    const wantScores = (await ref.scores[0].data()) as Float32Array;
    faceapi.tf.dispose([t, ref.boxes, ref.scores]);
    const model = (
      await openOrtInference(readFileSync(path.join(DETECT_MODEL_DIR, 'ssd-mobilenetv1.onnx')), {
        provider: 'cpu',
        intraOpThreads: 1,
      })
    ).inference;
    const out = await model.run({ input: tensor(input, [1, SSD_INPUT, SSD_INPUT, 3]) });
    await model.close();
    expect(out.boxes!.dims).toEqual([1, SSD_ANCHORS, 4]);
    expect(out.scores!.dims).toEqual([1, SSD_ANCHORS]);
    const maxDiff = (a: Float32Array, b: Float32Array) => {
      expect(a.length).toBe(b.length);
      let m = 0;
      for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
      return m;
    };
    expect(maxDiff(out.boxes!.data, wantBoxes)).toBeLessThan(1e-4);
    expect(maxDiff(out.scores!.data, wantScores)).toBeLessThan(1e-4);
    // the photo has faces: the comparison covered confident anchors, not only background
    expect(Math.max(...wantScores)).toBeGreaterThan(0.9);
  }, 120_000);

  it("detectSsd finds face-api's detectAllFaces faces on a real photo (same places, same scores)", async () => {
    const faceapi = await faceApi();
    const img = await decodeImage(photo('sample1.jpg'));
    const t = faceapi.tf.tensor3d(img.rgb, [img.height, img.width, 3], 'int32');
    const want = (await faceapi.detectAllFaces(
      t,
      new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 }),
    )) as { score: number; box: { x: number; y: number; width: number; height: number } }[];
    t.dispose();
    const model = (
      await openOrtInference(readFileSync(path.join(DETECT_MODEL_DIR, 'ssd-mobilenetv1.onnx')), {
        provider: 'cpu',
        intraOpThreads: 1,
      })
    ).inference;
    const got = await detectSsd(model, img, detectWindows(img.width, img.height, 0), {
      minScore: 0.5,
      iouThreshold: 0.5,
      maxFaces: 100,
    });
    await model.close();
    expect(want.length).toBeGreaterThan(1);
    expect(got).toHaveLength(want.length);
    for (const w of want) {
      const cx = w.box.x + w.box.width / 2;
      const cy = w.box.y + w.box.height / 2;
      const m = got.find(
        (g) => Math.hypot(g.box.x + g.box.w / 2 - cx, g.box.y + g.box.h / 2 - cy) < w.box.width / 4,
      );
      expect(m, `face at ${cx.toFixed(0)},${cy.toFixed(0)}`).toBeDefined();
      // different resamplers (face-api pads then resizes; aupipe warps once, centred): close, not equal
      expect(Math.abs(m!.score - w.score)).toBeLessThan(0.1);
      expect(m!.box.w / w.box.width).toBeGreaterThan(0.85);
      expect(m!.box.w / w.box.width).toBeLessThan(1.15);
    }
  }, 120_000);
});
