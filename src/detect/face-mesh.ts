/**
 * The face mesh step shared by both detector runtimes: cut a roll-corrected 192×192 crop around each face
 * seed (a centre, a side and a roll, from the face detector or from the previous frame's mesh), run the
 * mesh model on all crops in one batch and map the 468 points back to frame pixels.
 *
 * Crop convention: the seed's square of side `side`, centred on (cx, cy), rotated by `roll`; model
 * coordinates are pixel edges (0..192), ours pixel indices. Same centre and box-size conventions as
 * @vladmandic/human's face cache, whose models these are.
 */
import { clockMs, stageTimer } from '../stage-timer.js';
import type { Box, FaceDetection, RgbImage } from '../types.js';
import { type Affine, applyAffine, warpAffineInto } from './align.js';

export const MESH_INPUT = 192;
const EYE_A = 33;
const EYE_B = 263;
/** Roll (radians) below which no correction is made: the mesh model handles small tilts itself. */
export const MIN_ROLL = 0.2;

/** Where to look for one face: a square of `side` pixels centred on (cx, cy), rotated by `roll`. */
export interface MeshSeed {
  readonly cx: number;
  readonly cy: number;
  readonly side: number;
  readonly roll: number;
}

/** The mesh model's outputs for one crop: face confidence 0..1 and 468×3 points in crop pixels. */
export interface MeshResult {
  readonly score: number;
  readonly raw: ArrayLike<number>;
}

/** Runs the face mesh model on `n` crops packed NHWC in `input` (values 0..1). */
export type MeshRunner = (input: Float32Array, n: number) => Promise<MeshResult[]>;

/**
 * An optional second pass on the faces the mesh kept (e.g. iris): gets each face's raw points and its
 * crop -> frame transform, returns the refined raw points (more of them, in the same crop coordinates).
 */
export type MeshRefiner = (
  img: RgbImage,
  faces: readonly { readonly raw: ArrayLike<number>; readonly toSource: Affine }[],
) => Promise<ArrayLike<number>[]>;

/** Eye-line angle of a mesh (image y down), or 0 when rotation is off or the tilt is small. */
export function meshRoll(mesh: Float32Array, rotation: boolean): number {
  if (!rotation) return 0;
  const roll = Math.atan2(mesh[EYE_B * 3 + 1]! - mesh[EYE_A * 3 + 1]!, mesh[EYE_B * 3]! - mesh[EYE_A * 3]!);
  return Math.abs(roll) > MIN_ROLL ? roll : 0;
}

/** The seed that follows a face found in the previous frame: its mesh centre, box side and roll. */
export function seedFromFace(prev: FaceDetection, rotation: boolean): MeshSeed {
  const [cx, cy] = meshCentre(prev.mesh);
  return { cx, cy, side: Math.max(prev.box.w, prev.box.h), roll: meshRoll(prev.mesh, rotation) };
}

/** Crop pixel (u, v) -> frame: centre + R(roll) * (u - 192/2 + 0.5, v - 192/2 + 0.5) * side/192. */
export function seedTransform(s: MeshSeed): Affine {
  const k = s.side / MESH_INPUT;
  const cos = Math.cos(s.roll) * k;
  const sin = Math.sin(s.roll) * k;
  const h = MESH_INPUT / 2 - 0.5;
  return [cos, -sin, s.cx - cos * h + sin * h, sin, cos, s.cy - sin * h - cos * h];
}

/**
 * Runs the mesh on every seed (one batch) and returns the faces whose mesh confidence reaches
 * `minScore`, in seed order, after the optional `refine` pass. Each face's box is the seed's square
 * re-centred on its mesh. `inputBuffer(length)`, when given, supplies the model's input (a buffer the caller
 * reuses across calls: it must not be in use by another call), else a new one is allocated.
 */
export async function meshFaces(
  img: RgbImage,
  seeds: readonly MeshSeed[],
  run: MeshRunner,
  minScore: number,
  refine?: MeshRefiner,
  inputBuffer?: (length: number) => Float32Array,
): Promise<FaceDetection[]> {
  if (seeds.length === 0) return [];
  const t = stageTimer();
  let t0 = t ? clockMs() : 0;
  const plane = MESH_INPUT * MESH_INPUT * 3;
  // every value is written below, so a reused buffer needs no clearing
  const input = inputBuffer ? inputBuffer(plane * seeds.length) : new Float32Array(plane * seeds.length);
  const transforms = seeds.map((s, i) => {
    const t = seedTransform(s);
    warpAffineInto(img, t, MESH_INPUT, input, i * plane, 1 / 255, 0);
    return t;
  });
  if (t) t.add('mesh.prep', clockMs() - t0, seeds.length);
  const results = await run(input, seeds.length);
  if (t) t0 = clockMs();
  const kept = results.flatMap((r, i) =>
    r.score >= minScore ? [{ i, score: r.score, raw: r.raw, toSource: transforms[i]! }] : [],
  );
  if (t && refine) t.add('mesh.post', clockMs() - t0, seeds.length);
  const raws = refine && kept.length ? await refine(img, kept) : kept.map((f) => f.raw);
  if (t && refine) t0 = clockMs();
  const out: FaceDetection[] = [];
  kept.forEach(({ i, score, toSource }, j) => {
    const raw = raws[j]!;
    const seed = seeds[i]!;
    const k = seed.side / MESH_INPUT;
    const mesh = new Float32Array(raw.length);
    for (let p = 0; p < raw.length; p += 3) {
      const [x, y] = applyAffine(toSource, raw[p]! - 0.5, raw[p + 1]! - 0.5);
      mesh[p] = x;
      mesh[p + 1] = y;
      mesh[p + 2] = raw[p + 2]! * k;
    }
    const [nx, ny] = meshCentre(mesh);
    const side = seed.side;
    out.push({
      box: clampBox({ x: nx - side / 2, y: ny - side / 2, w: side, h: side }, img),
      score,
      mesh,
    });
  });
  if (t) t.add('mesh.post', clockMs() - t0, refine ? 0 : seeds.length);
  return out;
}

/** Centre of the mesh's bounding box (human's convention for re-centring a followed face). */
export function meshCentre(mesh: Float32Array): [number, number] {
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

export function clampBox(b: Box, img: { readonly width: number; readonly height: number }): Box {
  const x = Math.max(0, b.x);
  const y = Math.max(0, b.y);
  return { x, y, w: Math.min(img.width, b.x + b.w) - x, h: Math.min(img.height, b.y + b.h) - y };
}
