/**
 * Iris refinement of a face mesh (MediaPipe's iris model, as human runs it): a 64×64 crop around each eye
 * (the subject's left eye mirrored, as the model expects), 71 eye-region points and 5 iris points per eye.
 * The refined eye contours replace the mesh's, and the two irises become points 468-472 (left) and
 * 473-477 (right). Everything here works in mesh-crop coordinates (the face mesh model's 0..192 pixel
 * edges), so the caller maps the 478 points to the frame exactly as it maps 468.
 */
import type { Affine } from './align.js';

export const IRIS_INPUT = 64;
/** Points per eye in the iris model's output: 71 contour/brow points, then 5 iris points. */
export const IRIS_POINTS = 76;
const CONTOUR_POINTS = 71;
/** The eye box is the corner-to-corner box enlarged this much and squared (human's default). */
const EYE_BOX_SCALE = 2.3;

/** Mesh indices of each eye's region lines, in the order the iris model's points map onto them. */
const REGIONS = {
  left: {
    EyeUpper0: [466, 388, 387, 386, 385, 384, 398],
    EyeUpper1: [467, 260, 259, 257, 258, 286, 414],
    EyeUpper2: [342, 445, 444, 443, 442, 441, 413],
    EyeLower0: [263, 249, 390, 373, 374, 380, 381, 382, 362],
    EyeLower1: [359, 255, 339, 254, 253, 252, 256, 341, 463],
    EyeLower2: [446, 261, 448, 449, 450, 451, 452, 453, 464],
    EyeLower3: [372, 340, 346, 347, 348, 349, 350, 357, 465],
    EyebrowUpper: [383, 300, 293, 334, 296, 336, 285, 417],
    EyebrowLower: [265, 353, 276, 283, 282, 295],
  },
  right: {
    EyeUpper0: [246, 161, 160, 159, 158, 157, 173],
    EyeUpper1: [247, 30, 29, 27, 28, 56, 190],
    EyeUpper2: [113, 225, 224, 223, 222, 221, 189],
    EyeLower0: [33, 7, 163, 144, 145, 153, 154, 155, 133],
    EyeLower1: [130, 25, 110, 24, 23, 22, 26, 112, 243],
    EyeLower2: [226, 31, 228, 229, 230, 231, 232, 233, 244],
    EyeLower3: [143, 111, 117, 118, 119, 120, 121, 128, 245],
    EyebrowUpper: [156, 70, 63, 105, 66, 107, 55, 193],
    EyebrowLower: [35, 124, 46, 53, 52, 65],
  },
} as const;
type Region = keyof typeof REGIONS.left;

/** Which iris-model point lands on each mesh index of a region line. */
const MODEL_INDEX: Readonly<Record<Region, readonly number[]>> = {
  EyeUpper0: [9, 10, 11, 12, 13, 14, 15],
  EyeUpper1: [25, 26, 27, 28, 29, 30, 31],
  EyeUpper2: [41, 42, 43, 44, 45, 46, 47],
  EyeLower0: [0, 1, 2, 3, 4, 5, 6, 7, 8],
  EyeLower1: [16, 17, 18, 19, 20, 21, 22, 23, 24],
  EyeLower2: [32, 33, 34, 35, 36, 37, 38, 39, 40],
  EyeLower3: [54, 55, 56, 57, 58, 59, 60, 61, 62],
  EyebrowUpper: [63, 64, 65, 66, 67, 68, 69, 70],
  EyebrowLower: [48, 49, 50, 51, 52, 53],
};

/** Eye corners (outer, inner) of the subject's left and right eye. */
const CORNERS = { left: [263, 362], right: [33, 133] } as const;

export interface EyeBox {
  /** Top-left corner and side, in mesh-crop edge coordinates. */
  readonly x: number;
  readonly y: number;
  readonly side: number;
  /** The subject's left eye is mirrored before the model sees it. */
  readonly flip: boolean;
}

/** The square around one eye: its corner-to-corner box enlarged 2.3× and squared. */
export function eyeBox(raw: ArrayLike<number>, eye: 'left' | 'right'): EyeBox {
  const [a, b] = CORNERS[eye];
  const ax = raw[a * 3]!;
  const ay = raw[a * 3 + 1]!;
  const bx = raw[b * 3]!;
  const by = raw[b * 3 + 1]!;
  const side = Math.max(Math.abs(ax - bx), Math.abs(ay - by)) * EYE_BOX_SCALE;
  return { x: (ax + bx) / 2 - side / 2, y: (ay + by) / 2 - side / 2, side, flip: eye === 'left' };
}

/**
 * Eye-crop pixel (u, v) -> frame pixel, given the mesh crop's own crop -> frame transform: the eye
 * crop's pixel centres (mirrored for a flipped eye) in mesh-crop edge coordinates, minus 0.5 to pixel
 * indices, then through `meshToFrame`.
 */
export function eyeTransform(box: EyeBox, meshToFrame: Affine): Affine {
  const k = box.side / IRIS_INPUT;
  // crop pixel index (edge - 0.5) of eye pixel u: x + (u + 0.5) k - 0.5, or x + (64 - u - 0.5) k - 0.5
  const sx = box.flip ? -k : k;
  const ox = box.flip ? box.x + (IRIS_INPUT - 0.5) * k - 0.5 : box.x + 0.5 * k - 0.5;
  const oy = box.y + 0.5 * k - 0.5;
  const [a, b, c, d, e, f] = meshToFrame;
  // meshToFrame ∘ ((u, v) -> (sx u + ox, k v + oy))
  return [a * sx, b * k, a * ox + b * oy + c, d * sx, e * k, d * ox + e * oy + f];
}

/** One eye's 76 model points in mesh-crop edge coordinates (x unmirrored for a flipped eye). */
function eyePoints(out: ArrayLike<number>, box: EyeBox): Float32Array {
  const pts = new Float32Array(IRIS_POINTS * 3);
  for (let i = 0; i < IRIS_POINTS; i++) {
    const x = out[i * 3]! / IRIS_INPUT;
    pts[i * 3] = box.x + (box.flip ? 1 - x : x) * box.side;
    pts[i * 3 + 1] = box.y + (out[i * 3 + 1]! / IRIS_INPUT) * box.side;
    pts[i * 3 + 2] = out[i * 3 + 2]!;
  }
  return pts;
}

function replace(mesh: Float32Array, eye: Float32Array, side: 'left' | 'right', regions: readonly Region[]) {
  for (const r of regions) {
    const idx = REGIONS[side][r];
    MODEL_INDEX[r].forEach((m, j) => {
      const p = idx[j]!;
      mesh[p * 3] = eye[m * 3]!;
      mesh[p * 3 + 1] = eye[m * 3 + 1]!;
      mesh[p * 3 + 2] = (eye[m * 3 + 2]! + mesh[p * 3 + 2]!) / 2;
    });
  }
}

/** The 5 iris points (centre, then four around), z taken from the eyelid centres around them. */
function irisPoints(mesh: Float32Array, eye: Float32Array, side: 'left' | 'right'): number[] {
  const upperZ = mesh[REGIONS[side].EyeUpper0[3]! * 3 + 2]!;
  const lowerZ = mesh[REGIONS[side].EyeLower0[4]! * 3 + 2]!;
  const out: number[] = [];
  for (let i = 0; i < 5; i++) {
    const m = CONTOUR_POINTS + i;
    out.push(eye[m * 3]!, eye[m * 3 + 1]!, i === 2 ? upperZ : i === 4 ? lowerZ : (upperZ + lowerZ) / 2);
  }
  return out;
}

const ALL_REGIONS = Object.keys(MODEL_INDEX) as Region[];

/**
 * The 478-point raw mesh from the 468-point one and the iris model's outputs for the left and right eye
 * (76×3 values each, in eye-crop pixels). As in human: when the eyes' depths differ by 30 or more (the
 * head is turned), only the nearer eye's lid lines are replaced, since the far eye's contours diverge.
 */
export function refineWithIris(
  raw: ArrayLike<number>,
  leftOut: ArrayLike<number>,
  rightOut: ArrayLike<number>,
  leftBox: EyeBox,
  rightBox: EyeBox,
): Float32Array {
  const mesh = new Float32Array(478 * 3);
  for (let i = 0; i < 468 * 3; i++) mesh[i] = raw[i]!;
  const left = eyePoints(leftOut, leftBox);
  const right = eyePoints(rightOut, rightBox);
  const depth = mesh[CORNERS.left[0] * 3 + 2]! - mesh[CORNERS.right[0] * 3 + 2]!;
  if (Math.abs(depth) < 30) {
    replace(mesh, left, 'left', ALL_REGIONS);
    replace(mesh, right, 'right', ALL_REGIONS);
  } else if (depth < 1) {
    replace(mesh, left, 'left', ['EyeUpper0', 'EyeLower0']);
  } else {
    replace(mesh, right, 'right', ['EyeUpper0', 'EyeLower0']);
  }
  mesh.set(irisPoints(mesh, left, 'left'), 468 * 3);
  mesh.set(irisPoints(mesh, right, 'right'), 473 * 3);
  return mesh;
}
