/**
 * The peers' expression outputs on yardstick faces, as a reference for the AU estimators: face-api's
 * faceExpressionNet (7 classes) on the labelled face box, loaded from the npm package's own weights on
 * tfjs-wasm (local wasm files, no network).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { PACKAGE_ROOT } from '../config/index.js';
import { cropRegion } from '../detect/index.js';
import { decodeImage } from '../ingest/image.js';
import { type LabelledFace, resolveImage } from './yardstick.js';

export type Expressions = Readonly<Record<string, number>>;

interface Tf {
  setBackend(b: string): Promise<boolean>;
  ready(): Promise<void>;
  tensor3d(v: Int32Array, shape: [number, number, number], dtype: 'int32'): { dispose(): void };
}
interface FaceApi {
  nets: {
    faceExpressionNet: {
      loadFromDisk(dir: string): Promise<void>;
      predictExpressions(t: unknown): Promise<Record<string, number>>;
    };
  };
}

/** Loads face-api's expression net once and returns a scorer for labelled faces. */
export async function faceApiExpressions(): Promise<(face: LabelledFace) => Promise<Expressions>> {
  const require = createRequire(import.meta.url);
  const tf = require(path.join(PACKAGE_ROOT, 'node_modules/@tensorflow/tfjs')) as Tf;
  const wasm = require(path.join(PACKAGE_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm')) as {
    setWasmPaths(p: string, usePlatformFetch?: boolean): void;
  };
  wasm.setWasmPaths(`${path.join(PACKAGE_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
  await tf.setBackend('wasm');
  await tf.ready();
  const api = require(
    path.join(PACKAGE_ROOT, 'node_modules/@vladmandic/face-api/dist/face-api.node-wasm.js'),
  ) as FaceApi;
  await api.nets.faceExpressionNet.loadFromDisk(
    path.join(PACKAGE_ROOT, 'node_modules/@vladmandic/face-api/model'),
  );
  const cache = new Map<string, Awaited<ReturnType<typeof decodeImage>>>();
  return async (face) => {
    const file = resolveImage(face.image);
    let img = cache.get(file);
    if (!img) {
      img = await decodeImage(file);
      cache.set(file, img);
    }
    const [bx, by, bw, bh] = face.box;
    const side = Math.max(bw, bh);
    const x = Math.max(0, Math.round(bx + bw / 2 - side / 2));
    const y = Math.max(0, Math.round(by + bh / 2 - side / 2));
    const w = Math.min(img.width - x, Math.round(side));
    const h = Math.min(img.height - y, Math.round(side));
    const crop = cropRegion(img, x, y, w, h);
    const t = tf.tensor3d(Int32Array.from(crop.rgb), [h, w, 3], 'int32');
    try {
      return await api.nets.faceExpressionNet.predictExpressions(t);
    } finally {
      t.dispose();
    }
  };
}
