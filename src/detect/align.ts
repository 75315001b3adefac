/**
 * Face alignment, pure math: 5 landmarks from the dense mesh, a least-squares similarity transform onto a
 * canonical template, and a bilinear warp into the crop. The training code uses the same template and
 * checks the same test vectors (config/alignment/), so the model sees crops exactly as it was trained.
 *
 * Coordinates are pixel-index coordinates (pixel (i, j) has its centre at x = i, y = j), the convention of
 * OpenCV's warpAffine: `cv2.warpAffine(img, M, (size, size), flags=cv2.INTER_LINEAR)` with M the
 * source-to-crop matrix gives the same crop as `alignFace`.
 */
import type { AlignedCrop, RgbImage } from '../types.js';

export const TEMPLATE_ID = 'aupipe-5pt-v1';

/**
 * Template points as fractions of the crop side, in image order: eye on the image's left (the subject's
 * right eye), eye on the image's right, nose tip, mouth corner on the image's left, mouth corner on the
 * image's right. Eyes sit high enough to keep the brows (AU1/2/4) and the chin (AU17) inside the crop.
 */
export const TEMPLATE_UNIT: readonly (readonly [number, number])[] = [
  [0.34, 0.38],
  [0.66, 0.38],
  [0.5, 0.615],
  [0.3645, 0.731],
  [0.6355, 0.731],
];

/** Mesh indices (MediaPipe face mesh, 468/478 points) behind each template point. */
export const MESH_POINTS = {
  /** Eye centre = midpoint of the two eye corners (stable under gaze, unlike the iris). */
  eyeImageLeft: [33, 133],
  eyeImageRight: [362, 263],
  noseTip: [1],
  mouthImageLeft: [61],
  mouthImageRight: [291],
} as const;

/** Template points in crop pixels for a crop of `size` (x0, y0, x1, y1, …). */
export function templatePoints(size: number): Float64Array {
  const out = new Float64Array(TEMPLATE_UNIT.length * 2);
  TEMPLATE_UNIT.forEach(([u, v], i) => {
    // Pixel-index coordinates: the crop spans [-0.5, size - 0.5].
    out[i * 2] = u * size - 0.5;
    out[i * 2 + 1] = v * size - 0.5;
  });
  return out;
}

/** The 5 alignment points (x0, y0, …) from a mesh of xyz triples, in the template's order. */
export function alignmentPoints(mesh: Float32Array): Float64Array {
  const groups = [
    MESH_POINTS.eyeImageLeft,
    MESH_POINTS.eyeImageRight,
    MESH_POINTS.noseTip,
    MESH_POINTS.mouthImageLeft,
    MESH_POINTS.mouthImageRight,
  ];
  const out = new Float64Array(10);
  groups.forEach((idx, i) => {
    let x = 0;
    let y = 0;
    for (const k of idx) {
      x += mesh[k * 3] ?? 0;
      y += mesh[k * 3 + 1] ?? 0;
    }
    out[i * 2] = x / idx.length;
    out[i * 2 + 1] = y / idx.length;
  });
  return out;
}

/** 2x3 row-major affine [a, b, tx, c, d, ty]: x' = a x + b y + tx, y' = c x + d y + ty. */
export type Affine = [number, number, number, number, number, number];

/**
 * Weight of each template point in the fit: the eyes count 5x, so the eyes land close to their template
 * positions whatever the face's proportions (mean eye residual over the 24 faces of the test photos: 4.4 px
 * unweighted, 2.6 px weighted, at 112 px), while the nose and mouth still fix roll and vertical scale.
 */
export const TEMPLATE_WEIGHTS: readonly number[] = [5, 5, 1, 1, 1];

/**
 * Weighted least-squares similarity (rotation, uniform scale, translation: 4 DoF, no reflection) mapping
 * `src` points onto `dst` points (Umeyama 1991 restricted to 2D, with point weights). Both are flat (x, y)
 * arrays of equal length; `weights` has one entry per point (default: all 1).
 */
export function similarityTransform(
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  weights?: ArrayLike<number>,
): Affine {
  const n = src.length / 2;
  if (n < 2 || src.length !== dst.length) throw new RangeError('need at least 2 matching point pairs');
  if (weights && weights.length !== n) throw new RangeError('need one weight per point');
  let sw = 0;
  let sx = 0;
  let sy = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    sw += w;
    sx += w * src[2 * i]!;
    sy += w * src[2 * i + 1]!;
    dx += w * dst[2 * i]!;
    dy += w * dst[2 * i + 1]!;
  }
  sx /= sw;
  sy /= sw;
  dx /= sw;
  dy /= sw;
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    const px = src[2 * i]! - sx;
    const py = src[2 * i + 1]! - sy;
    const qx = dst[2 * i]! - dx;
    const qy = dst[2 * i + 1]! - dy;
    dot += w * (px * qx + py * qy);
    cross += w * (px * qy - py * qx);
    norm += w * (px * px + py * py);
  }
  if (norm === 0) throw new RangeError('source points coincide');
  const a = dot / norm; // s cos(theta)
  const b = cross / norm; // s sin(theta)
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}

export function invertAffine(m: readonly number[]): Affine {
  const [a, b, tx, c, d, ty] = m as Affine;
  const det = a * d - b * c;
  if (det === 0) throw new RangeError('singular affine matrix');
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

export function applyAffine(m: readonly number[], x: number, y: number): [number, number] {
  return [m[0]! * x + m[1]! * y + m[2]!, m[3]! * x + m[4]! * y + m[5]!];
}

/**
 * Bilinear warp of `src` into a size×size RGB crop; `toSource` maps crop pixel (u, v) to source pixel
 * coordinates. Pixels outside the source are black.
 */
export function warpAffine(src: RgbImage, toSource: readonly number[], size: number): Uint8Array {
  // One float implementation (a monomorphic hot loop): warp to floats with +0.5, then the typed-array
  // copy truncates, which rounds; values stay in [0.5, 255.5), so nothing wraps. The floats go to a scratch
  // buffer kept between calls (synchronous, one per thread): a fresh one cost a third of a 112 px crop's time.
  const n = size * size * 3;
  if (warpScratch.length < n) warpScratch = new Float32Array(n);
  const f = warpScratch.subarray(0, n);
  warpAffineInto(src, toSource, size, f, 0, 1, 0.5);
  const out = new Uint8Array(n);
  out.set(f);
  return out;
}

let warpScratch = new Float32Array(0);

/**
 * The same warp written as floats `value * mul + add` into `out` at `offset` (HWC), e.g. straight into a
 * model's normalised input batch without an intermediate byte crop.
 */
export function warpAffineInto(
  src: RgbImage,
  toSource: readonly number[],
  size: number,
  out: Float32Array,
  offset: number,
  mul: number,
  add: number,
): void {
  const [a, b, tx, c, d, ty] = toSource as Affine;
  const w = src.width;
  const h = src.height;
  const px = src.rgb;
  const stride = w * 3;
  const xMax = w - 1;
  const yMax = h - 1;
  let o = offset;
  for (let v = 0; v < size; v++) {
    let x = b * v + tx;
    let y = d * v + ty;
    for (let u = 0; u < size; u++, x += a, y += c, o += 3) {
      if (x >= 0 && y >= 0 && x < xMax && y < yMax) {
        // fast path: all four neighbours inside (almost every pixel of a face crop); x, y >= 0 so |0 floors
        const x0 = x | 0;
        const y0 = y | 0;
        const fx = x - x0;
        const fy = y - y0;
        const w00 = (1 - fx) * (1 - fy);
        const w01 = fx * (1 - fy);
        const w10 = (1 - fx) * fy;
        const w11 = fx * fy;
        const i = y0 * stride + x0 * 3;
        const j = i + stride;
        out[o] = (px[i]! * w00 + px[i + 3]! * w01 + px[j]! * w10 + px[j + 3]! * w11) * mul + add;
        out[o + 1] = (px[i + 1]! * w00 + px[i + 4]! * w01 + px[j + 1]! * w10 + px[j + 4]! * w11) * mul + add;
        out[o + 2] = (px[i + 2]! * w00 + px[i + 5]! * w01 + px[j + 2]! * w10 + px[j + 5]! * w11) * mul + add;
      } else {
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        if (x0 >= -1 && y0 >= -1 && x0 < w && y0 < h) {
          edgeSample(px, w, h, x0, y0, x - x0, y - y0, out, o, mul, add);
        } else {
          out[o] = add;
          out[o + 1] = add;
          out[o + 2] = add;
        }
      }
    }
  }
}

/** Bilinear sample at the border: neighbours outside the image count as black. */
function edgeSample(
  px: Uint8Array,
  w: number,
  h: number,
  x0: number,
  y0: number,
  fx: number,
  fy: number,
  out: Float32Array,
  o: number,
  mul: number,
  add: number,
): void {
  const stride = w * 3;
  const inX0 = x0 >= 0;
  const inX1 = x0 + 1 < w;
  const inY0 = y0 >= 0;
  const inY1 = y0 + 1 < h;
  const i00 = y0 * stride + x0 * 3;
  for (let ch = 0; ch < 3; ch++) {
    let s = 0;
    if (inY0) {
      if (inX0) s += (1 - fx) * (1 - fy) * px[i00 + ch]!;
      if (inX1) s += fx * (1 - fy) * px[i00 + 3 + ch]!;
    }
    if (inY1) {
      if (inX0) s += (1 - fx) * fy * px[i00 + stride + ch]!;
      if (inX1) s += fx * fy * px[i00 + stride + 3 + ch]!;
    }
    out[o + ch] = s * mul + add;
  }
}

/** Aligns one face: 5 points from its mesh → weighted similarity onto the template → warped crop. */
export function alignFace(src: RgbImage, mesh: Float32Array, size: number): AlignedCrop {
  const forward = similarityTransform(alignmentPoints(mesh), templatePoints(size), TEMPLATE_WEIGHTS);
  const toSource = invertAffine(forward);
  return {
    width: size,
    height: size,
    rgb: warpAffine(src, toSource, size),
    toSource,
    templateId: TEMPLATE_ID,
  };
}
