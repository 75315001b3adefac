/**
 * Pose and scale removal: a weighted similarity fit of the image mesh onto MediaPipe's canonical neutral
 * face, on the landmarks MediaPipe itself uses for that fit (they barely move with expression). The
 * result is the mesh in the canonical head frame (y up, z toward the viewer) in inter-ocular units.
 */
import { CANONICAL_VERTICES, PROCRUSTES_WEIGHTS } from './canonical.js';
import { applySimilarity, fitSimilarity } from './procrustes.js';

export const MESH_POINTS = 468;

const IDX = PROCRUSTES_WEIGHTS.map(([i]) => i);
const W = PROCRUSTES_WEIGHTS.map(([, w]) => w);

/** Mid-points of the eye corners, xyz: the subject's right eye (33, 133), then the left (362, 263). */
export function eyeCentres(p: ArrayLike<number>): [number, number, number, number, number, number] {
  const c = (a: number, b: number, d: number): number =>
    ((p[a * 3 + d] as number) + (p[b * 3 + d] as number)) / 2;
  return [c(33, 133, 0), c(33, 133, 1), c(33, 133, 2), c(362, 263, 0), c(362, 263, 1), c(362, 263, 2)];
}

/** Distance between the eye centres (mid-points of the eye corners) of a mesh. */
export function interOcular(p: ArrayLike<number>): number {
  const [ax, ay, az, bx, by, bz] = eyeCentres(p);
  return Math.hypot(ax - bx, ay - by, az - bz);
}

const CANON_IOD = interOcular(CANONICAL_VERTICES);
/** Canonical mesh in inter-ocular units. */
export const CANONICAL_IOD: Float64Array = Float64Array.from(CANONICAL_VERTICES, (v) => v / CANON_IOD);

/**
 * The detector's z is not in image pixels: human's facemesh reports depth in the units of its own face crop,
 * so depth over inter-ocular distance grows as faces get smaller (1.1 at 80 px IOD, 2.5–3.4 at 30 px).
 * So the depth gain is fitted per face: the gain (0.2–5, golden-section search on its log) that minimises
 * the rigid-landmark residual against the canonical face. It then also holds if a detector reports z in
 * pixels. Measured best fixed gains were 1.5–2 on the face-api photos and 0.5 on the thumbnail grid.
 */
function toHeadAxes(mesh: ArrayLike<number>, count: number, zGain: number): Float64Array {
  const out = new Float64Array(count * 3);
  for (let i = 0; i < count; i++) {
    out[i * 3] = mesh[i * 3] as number;
    out[i * 3 + 1] = -(mesh[i * 3 + 1] as number);
    out[i * 3 + 2] = -zGain * (mesh[i * 3 + 2] as number);
  }
  return out;
}

/** The canonical rigid landmarks, compact (landmark k at 3k), and their indices 0..n-1 into such arrays. */
const CANON_RIGID = Float64Array.from(
  IDX.flatMap((i) => [0, 1, 2].map((d) => CANONICAL_IOD[i * 3 + d] as number)),
);
const RIGID_K = IDX.map((_, k) => k);

/** The rigid landmarks of a mesh in head axes (as `toHeadAxes`), compact, into `out`. */
function rigidHeadAxes(mesh: ArrayLike<number>, zGain: number, out: Float64Array): Float64Array {
  for (let k = 0; k < IDX.length; k++) {
    const i = (IDX[k] as number) * 3;
    out[k * 3] = mesh[i] as number;
    out[k * 3 + 1] = -(mesh[i + 1] as number);
    out[k * 3 + 2] = -zGain * (mesh[i + 2] as number);
  }
  return out;
}

/**
 * Rigid-landmark fit of a mesh with a given depth gain: the fit and its residual. Only the landmark points are
 * transformed (the search calls this ~26 times per face), into `scratch` when given.
 */
function fitWithGain(mesh: ArrayLike<number>, gain: number, scratch = new Float64Array(IDX.length * 3)) {
  const head = rigidHeadAxes(mesh, gain, scratch);
  const sim = fitSimilarity(head, CANON_RIGID, RIGID_K, W);
  const { s, r, t } = sim;
  let se = 0;
  let sw = 0;
  for (let k = 0; k < IDX.length; k++) {
    const i = k * 3;
    const w = W[k] as number;
    const x = head[i] as number;
    const y = head[i + 1] as number;
    const z = head[i + 2] as number;
    for (let d = 0; d < 3; d++) {
      const v =
        s * ((r[d * 3] as number) * x + (r[d * 3 + 1] as number) * y + (r[d * 3 + 2] as number) * z) +
        (t[d] as number);
      se += w * (v - (CANON_RIGID[i + d] as number)) ** 2;
    }
    sw += w;
  }
  return { sim, residual: Math.sqrt(se / sw) };
}

/** Depth gain that best fits the canonical face (golden-section search on log gain). */
export function fitDepthGain(mesh: ArrayLike<number>): number {
  const scratch = new Float64Array(IDX.length * 3);
  const f = (lg: number): number => fitWithGain(mesh, Math.exp(lg), scratch).residual;
  const r = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(0.2);
  let b = Math.log(5);
  let c = b - r * (b - a);
  let d = a + r * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < 24; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - r * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + r * (b - a);
      fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}

export interface NormalizedMesh {
  /** Points (468, or 478 with iris) in the canonical head frame, inter-ocular units. */
  readonly pts: Float64Array;
  readonly count: number;
  /** Weighted RMS residual of the rigid landmarks after the fit, inter-ocular units (fit quality). */
  readonly residual: number;
  /** The fitted depth gain (see `fitDepthGain`). */
  readonly zGain: number;
  /** Rotation of the fit (row-major 3×3), head axes of the image mesh onto the canonical frame. */
  readonly rotation: readonly number[];
}

/** Removes pose, position and scale from an image-space mesh (xyz interleaved, 468 or 478 points). */
export function normalizeMesh(mesh: ArrayLike<number>): NormalizedMesh {
  const count = Math.floor(mesh.length / 3);
  if (count < MESH_POINTS) throw new RangeError(`mesh has ${count} points, need at least ${MESH_POINTS}`);
  const zGain = fitDepthGain(mesh);
  const { sim, residual } = fitWithGain(mesh, zGain);
  const pts = applySimilarity(sim, toHeadAxes(mesh, count, zGain), count);
  return { pts, count, residual, zGain, rotation: sim.r };
}

/**
 * `normalizeMesh`, computed once per mesh array: the mesh estimator and the attention stage read the same face's
 * fit (the costly step) from here, so head pose costs no second fit. Keyed by the array itself (a WeakMap: no
 * retention); meshes are never written after detection (`FaceObservation.mesh` is readonly by contract).
 */
const fits = new WeakMap<object, NormalizedMesh>();
export function normalizeMeshOnce(mesh: Float32Array | Float64Array): NormalizedMesh {
  let n = fits.get(mesh);
  if (!n) {
    n = normalizeMesh(mesh);
    fits.set(mesh, n);
  }
  return n;
}
