/**
 * face-api's own nets on tfjs-wasm, loaded from the npm package's weights (local wasm files, no network): the
 * peers' expression outputs on yardstick faces (a reference for the AU estimators), and the references the
 * ONNX exports of face-api's crop nets are checked against.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Expressions } from '../classify/index.js';
import { PACKAGE_ROOT } from '../config/index.js';
import { cropRegion } from '../detect/index.js';
import { decodeImage } from '../ingest/index.js';
import type { RgbImage } from '../types.js';
import { type LabelledFace, resolveImage } from './hand-labels.js';

interface Tensor {
  dispose(): void;
}
interface Tf {
  setBackend(b: string): Promise<boolean>;
  ready(): Promise<void>;
  tensor3d(v: Int32Array, shape: [number, number, number], dtype: 'int32'): Tensor;
}
interface Net {
  loadFromDisk(dir: string): Promise<void>;
}
export interface FaceApi {
  nets: {
    faceExpressionNet: Net & { predictExpressions(t: Tensor): Promise<Record<string, number>> };
    faceLandmark68Net: Net & {
      detectLandmarks(t: Tensor): Promise<{ positions: { x: number; y: number }[] }>;
    };
  };
}

let loaded: Promise<{ tf: Tf; api: FaceApi }> | undefined;

/** tfjs on its wasm backend and face-api on it (nets not loaded yet), once per process. */
function faceApi(): Promise<{ tf: Tf; api: FaceApi }> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const mod = (p: string): unknown => require(path.join(PACKAGE_ROOT, 'node_modules', p));
    const tf = mod('@tensorflow/tfjs') as Tf;
    const wasm = mod('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(p: string): void };
    wasm.setWasmPaths(`${path.join(PACKAGE_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
    await tf.setBackend('wasm');
    await tf.ready();
    return { tf, api: mod('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi };
  })();
  return loaded;
}

/**
 * Runs one of face-api's nets (its weights loaded from the package) on RGB images: `run(net, tensor)` gets the
 * image as face-api's int32 HWC tensor, disposed afterwards.
 */
export async function faceApiNet<N extends keyof FaceApi['nets'], R>(
  name: N,
  run: (net: FaceApi['nets'][N], t: Tensor) => Promise<R>,
): Promise<(img: RgbImage) => Promise<R>> {
  const { tf, api } = await faceApi();
  const net = api.nets[name];
  await net.loadFromDisk(path.join(PACKAGE_ROOT, 'node_modules/@vladmandic/face-api/model'));
  return async (img) => {
    const t = tf.tensor3d(Int32Array.from(img.rgb), [img.height, img.width, 3], 'int32');
    try {
      return await run(net, t);
    } finally {
      t.dispose();
    }
  };
}

/** face-api's expression probabilities on an RGB image (resized to its 112 px input by face-api itself). */
export function faceApiExpressionNet(): Promise<(img: RgbImage) => Promise<Expressions>> {
  return faceApiNet('faceExpressionNet', (net, t) => net.predictExpressions(t));
}

/** Loads face-api's expression net once and returns a scorer for labelled faces (on the labelled face box). */
export async function faceApiExpressions(): Promise<(face: LabelledFace) => Promise<Expressions>> {
  const predict = await faceApiExpressionNet();
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
    return predict(cropRegion(img, x, y, w, h));
  };
}
