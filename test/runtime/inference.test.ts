/**
 * The one inference interface and its two implementations: onnxruntime-node (server) and onnxruntime-web (the
 * browser's; its WASM build runs in Node too, so this runs without Chromium). On the same ONNX files the two
 * give the same outputs, and the mesh detector built on either finds the same faces with the same meshes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webInference } from '../../src/client/ort-web.js';
import { configSchema } from '../../src/config/index.js';
import { createMeshDetector } from '../../src/detect/mesh-detector.js';
import { DETECT_MODEL_DIR } from '../../src/detect/onnx-detector.js';
import {
  type Inference,
  openOrtInference,
  outputByDims,
  runSingle,
  tensor,
} from '../../src/runtime/index.js';
import { decodeFrames } from '../helpers/client.js';

const model = (f: string) => readFileSync(path.join(DETECT_MODEL_DIR, f));

async function openWeb(bytes: Uint8Array): Promise<Inference> {
  ortWeb.env.wasm.numThreads = 1;
  return webInference(await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] }));
}
const openNode = async (bytes: Uint8Array) =>
  (await openOrtInference(bytes, { provider: 'cpu', intraOpThreads: 1 })).inference;

describe('tensor, outputByDims, runSingle', () => {
  it('checks data against dims and finds outputs by their dims', async () => {
    expect(() => tensor(new Float32Array(5), [2, 3])).toThrow(/5 values, dims \[2,3\] need 6/);
    const a = tensor(new Float32Array(6), [2, 3]);
    const b = tensor(new Float32Array(4), [1, 4]);
    expect(outputByDims({ a, b }, [1, 4])).toBe(b.data);
    expect(outputByDims({ a, b }, [4, 1])).toBeUndefined();
    const none: Inference = {
      inputNames: [],
      outputNames: [],
      outputShapes: [],
      run: async () => ({}),
      close: async () => {},
    };
    await expect(runSingle(none, new Float32Array(1), [1])).rejects.toThrow(/no input/);
  });
});

describe('ORT-node and ORT-web behind one interface', () => {
  let node: Inference;
  let web: Inference;
  beforeAll(async () => {
    [node, web] = await Promise.all([openNode(model('blazeface.onnx')), openWeb(model('blazeface.onnx'))]);
  });
  afterAll(async () => {
    await node?.close();
    await web?.close();
  });

  it('name the same inputs and outputs and declare the same output shapes', () => {
    expect(web.inputNames).toEqual(node.inputNames);
    expect(web.outputNames).toEqual(node.outputNames);
    expect(web.outputShapes).toEqual(node.outputShapes);
    expect(node.outputShapes).toContainEqual([1, 512, 16]);
  });

  it('give the same outputs on the same input (within 1e-4, relative to values above 1)', async () => {
    const x = new Float32Array(256 * 256 * 3);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) * 0.9;
    const [a, b] = await Promise.all([
      runSingle(node, x, [1, 256, 256, 3]),
      runSingle(web, x, [1, 256, 256, 3]),
    ]);
    for (const k of node.outputNames) {
      expect(b[k]!.dims).toEqual(a[k]!.dims);
      let worst = 0;
      a[k]!.data.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(v - b[k]!.data[i]!) / Math.max(1, Math.abs(v)));
      });
      expect(worst, k).toBeLessThan(1e-4);
    }
  });
});

describe('the mesh detector on either runtime', () => {
  it('finds the same faces with the same meshes (within 0.05 px)', async () => {
    // the short-range detector: the one the student page runs on ORT-web
    const cfg = configSchema.parse({ detect: { range: 'short' } }).detect;
    const img = { width: 640, height: 480, rgb: decodeFrames('assets/sample.mp4', 1, 15, 640, 480)[0]! };
    const open = async (o: (b: Uint8Array) => Promise<Inference>) =>
      createMeshDetector(
        { blaze: await o(model('blazeface.onnx')), mesh: await o(model('facemesh.onnx')) },
        cfg,
      );
    const [dn, dw] = [await open(openNode), await open(openWeb)];
    try {
      const [fn, fw] = [await dn.detect(img), await dw.detect(img)];
      expect(fn.length).toBeGreaterThan(0);
      expect(fw.length).toBe(fn.length);
      fn.forEach((f, i) => {
        let worst = 0;
        f.mesh.forEach((v, j) => {
          if (j % 3 !== 2) worst = Math.max(worst, Math.abs(v - fw[i]!.mesh[j]!));
        });
        expect(worst).toBeLessThan(0.05);
      });
    } finally {
      await dn.close();
      await dw.close();
    }
  });
});
