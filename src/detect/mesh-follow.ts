/**
 * Mesh-only pass between detections: for each face of the previous frame, cut a roll-corrected 192x192 crop
 * around its last mesh (same centre convention and box size as human's own face cache), run the face mesh
 * model on it and map the 468 points back to frame pixels. Stateless: the caller passes the previous faces,
 * so any number of streams can share one detector.
 */
import type { Box, FaceDetection, RgbImage } from '../types.js';
import { type Affine, applyAffine, warpAffine } from './align.js';

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

const SIZE = 192;
const EYE_A = 33;
const EYE_B = 263;
const MIN_ROLL = 0.2;

export interface FollowOptions {
  readonly minScore: number;
  readonly rotation: boolean;
}

export async function followFaces(
  tf: MeshTf,
  model: MeshModel,
  img: RgbImage,
  previous: readonly FaceDetection[],
  opts: FollowOptions,
): Promise<FaceDetection[]> {
  const out: FaceDetection[] = [];
  const input = new Float32Array(SIZE * SIZE * 3);
  for (const prev of previous) {
    const side = Math.max(prev.box.w, prev.box.h);
    const [cx, cy] = meshCentre(prev.mesh);
    const m = prev.mesh;
    const eyeRoll = Math.atan2(m[EYE_B * 3 + 1]! - m[EYE_A * 3 + 1]!, m[EYE_B * 3]! - m[EYE_A * 3]!);
    // like human's detector: correct roll only past ~11 degrees, where the mesh model starts to drift
    const roll = opts.rotation && Math.abs(eyeRoll) > MIN_ROLL ? eyeRoll : 0;
    // crop pixel (u, v) -> frame: centre + R(roll) * (u - SIZE/2 + 0.5, v - SIZE/2 + 0.5) * side/SIZE
    const k = side / SIZE;
    const cos = Math.cos(roll) * k;
    const sin = Math.sin(roll) * k;
    const h = SIZE / 2 - 0.5;
    const toSource: Affine = [cos, -sin, cx - cos * h + sin * h, sin, cos, cy - sin * h - cos * h];
    const crop = warpAffine(img, toSource, SIZE);
    for (let i = 0; i < crop.length; i++) input[i] = crop[i]! / 255;
    const t = tf.tensor(input, [1, SIZE, SIZE, 3], 'float32');
    const res = model.execute(t);
    const outs = Array.isArray(res) ? res : [res];
    try {
      const scoreT = outs.find((o) => o.shape[o.shape.length - 1] === 1);
      const meshT = outs.find((o) => o.shape[o.shape.length - 1] === 1404);
      if (!scoreT || !meshT) continue;
      const score = (await scoreT.data())[0] ?? 0;
      if (score < opts.minScore) continue;
      const raw = await meshT.data();
      const mesh = new Float32Array(raw.length);
      for (let p = 0; p < raw.length; p += 3) {
        // model coordinates are pixel edges (0..SIZE); ours are pixel indices
        const [x, y] = applyAffine(toSource, raw[p]! - 0.5, raw[p + 1]! - 0.5);
        mesh[p] = x;
        mesh[p + 1] = y;
        mesh[p + 2] = raw[p + 2]! * k;
      }
      const [nx, ny] = meshCentre(mesh);
      out.push({ box: clamp({ x: nx - side / 2, y: ny - side / 2, w: side, h: side }, img), score, mesh });
    } finally {
      tf.dispose([t, ...outs]);
    }
  }
  return out;
}

/** Centre of the mesh's bounding box (human's convention for re-centring a followed face). */
function meshCentre(mesh: Float32Array): [number, number] {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < mesh.length; i += 3) {
    const x = mesh[i]!;
    const y = mesh[i + 1]!;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return [(x0 + x1) / 2, (y0 + y1) / 2];
}

function clamp(b: Box, img: RgbImage): Box {
  const x = Math.max(0, b.x);
  const y = Math.max(0, b.y);
  return { x, y, w: Math.min(img.width, b.x + b.w) - x, h: Math.min(img.height, b.y + b.h) - y };
}
