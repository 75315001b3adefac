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

function eyeCentres(p: ArrayLike<number>): [number, number, number, number, number, number] {
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
 * Depth gain applied to the detector's z before the fit. Human's facemesh z is flatter than MediaPipe's
 * canonical model: the weighted RMS residual of the rigid landmarks on the 23 face-api/astronaut faces is
 * 0.172 IOD at gain 1, 0.126 at 1.5, 0.122 at 2 and 0.155 at 2.5 (measured; see docs/au-evidence.md).
 */
export const Z_GAIN = 1.5;

/** The canonical frame (y up, z toward viewer) from image coordinates (y down, z away): a 180° turn about x. */
function toHeadAxes(mesh: ArrayLike<number>, count: number): Float64Array {
  const out = new Float64Array(count * 3);
  for (let i = 0; i < count; i++) {
    out[i * 3] = mesh[i * 3] as number;
    out[i * 3 + 1] = -(mesh[i * 3 + 1] as number);
    out[i * 3 + 2] = -Z_GAIN * (mesh[i * 3 + 2] as number);
  }
  return out;
}

export interface NormalizedMesh {
  /** Points (468, or 478 with iris) in the canonical head frame, inter-ocular units. */
  readonly pts: Float64Array;
  readonly count: number;
  /** Weighted RMS residual of the rigid landmarks after the fit, inter-ocular units (fit quality). */
  readonly residual: number;
}

/** Removes pose, position and scale from an image-space mesh (xyz interleaved, 468 or 478 points). */
export function normalizeMesh(mesh: ArrayLike<number>): NormalizedMesh {
  const count = Math.floor(mesh.length / 3);
  if (count < MESH_POINTS) throw new RangeError(`mesh has ${count} points, need at least ${MESH_POINTS}`);
  const head = toHeadAxes(mesh, count);
  const sim = fitSimilarity(head, CANONICAL_IOD, IDX, W);
  const pts = applySimilarity(sim, head, count);
  let se = 0;
  let sw = 0;
  for (let k = 0; k < IDX.length; k++) {
    const i = (IDX[k] as number) * 3;
    const w = W[k] as number;
    for (let d = 0; d < 3; d++) se += w * ((pts[i + d] as number) - (CANONICAL_IOD[i + d] as number)) ** 2;
    sw += w;
  }
  return { pts, count, residual: Math.sqrt(se / sw) };
}
