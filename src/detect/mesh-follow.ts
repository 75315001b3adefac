/**
 * Mesh-only pass between detections on the tfjs runtime: each face of the previous frame seeds a crop
 * (face-mesh.ts) and human's own face mesh graph model runs on them. Stateless: the caller passes the
 * previous faces, so any number of streams can share one detector.
 */
import type { FaceDetection, RgbImage } from '../types.js';
import { MESH_INPUT, type MeshRunner, meshFaces, seedFromFace } from './face-mesh.js';

/** The parts of a tfjs graph model and of tfjs we use (structural, so no tfjs types leak). */
export interface MeshTf {
  tensor(values: Float32Array, shape: number[], dtype: 'float32'): Disposable;
  dispose(t: Disposable | Disposable[]): void;
}
export interface Disposable {
  readonly shape: number[];
  data(): Promise<Float32Array | Int32Array | Uint8Array>;
  dispose(): void;
}
export interface MeshModel {
  execute(input: Disposable): Disposable | Disposable[];
}

export interface FollowOptions {
  readonly minScore: number;
  readonly rotation: boolean;
}

/** The mesh model as a batch runner: outputs found by shape (confidence [n,1], mesh [n,1404]). */
function tfRunner(tf: MeshTf, model: MeshModel): MeshRunner {
  return async (input, n) => {
    const t = tf.tensor(input, [n, MESH_INPUT, MESH_INPUT, 3], 'float32');
    const res = model.execute(t);
    const outs = Array.isArray(res) ? res : [res];
    try {
      const scoreT = outs.find((o) => o.shape[o.shape.length - 1] === 1);
      const meshT = outs.find((o) => o.shape[o.shape.length - 1] === 1404);
      if (!scoreT || !meshT) throw new Error('face mesh model returned unexpected outputs');
      const scores = await scoreT.data();
      const meshes = await meshT.data();
      return Array.from({ length: n }, (_, i) => ({
        score: scores[i] ?? 0,
        raw: meshes.subarray(i * 1404, (i + 1) * 1404),
      }));
    } finally {
      tf.dispose([t, ...outs]);
    }
  };
}

export function followFaces(
  tf: MeshTf,
  model: MeshModel,
  img: RgbImage,
  previous: readonly FaceDetection[],
  opts: FollowOptions,
): Promise<FaceDetection[]> {
  const seeds = previous.map((p) => seedFromFace(p, opts.rotation));
  return meshFaces(img, seeds, tfRunner(tf, model), opts.minScore);
}
