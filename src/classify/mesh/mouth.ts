/**
 * Mouth appearance from the aligned crop: how tall a band of teeth or dark cavity shows between the lips.
 * The mesh's inner lips fail on open laughing mouths (they follow the upper teeth, so the gap reads closed),
 * but the pixels do not: parted lips show teeth (bright, much less red than the lips) or a dark cavity,
 * closed lips show lip colour with at most a one- or two-pixel dark seam.
 *
 * Method: map the lip contours of the mesh into the crop; take the lip reference colour as the median of the
 * pixels between the outer and the inner contour (the lips; when the inner contour has collapsed onto the
 * teeth this is the whole mouth, still mostly lips); scan the central columns of the mouth (30–70 % of the corner-to-corner width),
 * keeping pixels whose vertical neighbours are inside the contour too (the contour's edge is skin); in each
 * column find the longest vertical run of "open" pixels: teeth (redness below 0.6x the lip's, brighter than
 * the lip median and than 0.8x the cheeks) or cavity (darker than 0.6x the lip median). The mean run over
 * the columns, in inter-ocular units, is the measure. Thresholds: see docs/au-evidence.md.
 */
import type { AlignedCrop } from '../../types.js';

export interface MouthAppearance {
  /** Mean longest run of teeth-or-cavity pixels per central column, inter-ocular units (0: closed). */
  readonly open: number;
  /** The same run for teeth pixels only. */
  readonly teeth: number;
  /** The same run for cavity (dark) pixels only. */
  readonly cavity: number;
}

export interface MouthThresholds {
  /** A teeth pixel's redness is below this fraction of the lip median's. */
  readonly teethRedness: number;
  /** A teeth pixel is brighter than this fraction of the cheeks' median brightness. */
  readonly teethVsSkin: number;
  /** A cavity pixel is darker than this fraction of the lip median brightness. */
  readonly cavity: number;
}

export const MOUTH_THRESHOLDS: MouthThresholds = { teethRedness: 0.6, teethVsSkin: 0.8, cavity: 0.6 };

/**
 * Pixels of each column's run that closed lips show anyway: the dark line where the lips meet (about one pixel at
 * the 112 px crop, more in shadow, under a moustache or on a grayscale face). Runs are counted beyond it, so a
 * closed mouth reads no opening (before: 0.03-0.04 IOD of "cavity" on pressed lips, AU25 0.96-1.00). Only the
 * `open` reading (AU25) subtracts it; `teeth` and `cavity` stay whole runs.
 */
export const LIP_LINE_PX = 1.5;

/** Outer-lip contour (MediaPipe ids), going round the mouth. */
const OUTER_LIP = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185];
/** Inner-lip contour: the pixels between it and the outer contour are the lips themselves. */
const INNER_LIP = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191];
/** Cheek patches below each eye (polygons), the skin reference. */
const CHEEKS: readonly (readonly number[])[] = [
  [50, 101, 36, 205, 187],
  [280, 330, 266, 425, 411],
];
const CORNERS = [61, 291] as const;
const EYES = [
  [33, 133],
  [362, 263],
] as const;

type Pt = readonly [number, number];

/**
 * Pixels of a `w`x`h` image inside a polygon (even-odd rule, pixel centres at integer coordinates), filled
 * one row at a time from the edge crossings: 1 inside, 0 outside.
 */
export function polygonMask(poly: readonly Pt[], w: number, h: number): Uint8Array {
  const mask = new Uint8Array(w * h);
  const [v0, v1] = polygonRows(poly, h);
  const xs: number[] = [];
  for (let v = v0; v <= v1; v++) {
    xs.length = 0;
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      const [xi, yi] = poly[i] as Pt;
      const [xj, yj] = poly[j] as Pt;
      if (yi > v !== yj > v) xs.push(((xj - xi) * (v - yi)) / (yj - yi) + xi);
    }
    xs.sort((a, b) => a - b);
    // A pixel u is inside when an odd number of crossings lie to its right (u < x): spans (x[k], x[k+1]].
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const a = Math.max(0, Math.floor(xs[k] as number) + 1);
      const b = Math.min(w - 1, Math.ceil(xs[k + 1] as number) - 1);
      for (let u = a; u <= b; u++) mask[v * w + u] = 1;
    }
  }
  return mask;
}

/** The rows [v0, v1] of an image `h` rows tall that a polygon can cover (v1 < v0: none). */
function polygonRows(poly: readonly Pt[], h: number): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const p of poly) {
    lo = Math.min(lo, p[1]);
    hi = Math.max(hi, p[1]);
  }
  return [Math.max(0, Math.floor(lo)), Math.min(h - 1, Math.ceil(hi))];
}

/** The lower median (element floor((n - 1) / 2) in ascending order); 0 for none. Sorts `a`. */
function median(a: Float64Array): number {
  if (a.length === 0) return 0;
  a.sort(); // a typed array sorts numerically, without a comparator call per pair
  return a[Math.floor((a.length - 1) / 2)] as number;
}

/** Source-to-crop map: the inverse of the crop's 2x3 crop-to-source affine. */
function toCrop(m: readonly number[]): (x: number, y: number) => Pt {
  const [a, b, tx, c, d, ty] = m as [number, number, number, number, number, number];
  const det = a * d - b * c;
  return (x, y) => {
    const dx = x - tx;
    const dy = y - ty;
    return [(d * dx - b * dy) / det, (-c * dx + a * dy) / det];
  };
}

type Crop = Pick<AlignedCrop, 'width' | 'height' | 'rgb' | 'toSource'>;

/** Brightness (mean of r, g, b) and redness ((r - g) / (r + g + b + 1)) of one crop pixel. */
function brightness(rgb: Uint8Array, o: number): number {
  return ((rgb[o] as number) + (rgb[o + 1] as number) + (rgb[o + 2] as number)) / 3;
}
function redness(rgb: Uint8Array, o: number): number {
  const r = rgb[o] as number;
  const g = rgb[o + 1] as number;
  return (r - g) / (r + g + (rgb[o + 2] as number) + 1);
}

/**
 * Medians of brightness and redness over the pixels of `mask` that are not in `hole`; `rows` [v0, v1] bounds the
 * rows where `mask` has pixels.
 */
function medians(
  crop: Crop,
  mask: Uint8Array,
  rows: readonly [number, number],
  hole?: Uint8Array,
): { lum: number; red: number; n: number } {
  const from = Math.max(0, rows[0]) * crop.width;
  const to = Math.min(mask.length, (rows[1] + 1) * crop.width);
  let n = 0;
  for (let i = from; i < to; i++) if (mask[i] && !hole?.[i]) n++;
  const lum = new Float64Array(n);
  const red = new Float64Array(n);
  for (let i = from, k = 0; i < to; i++)
    if (mask[i] && !hole?.[i]) {
      lum[k] = brightness(crop.rgb, i * 3);
      red[k++] = redness(crop.rgb, i * 3);
    }
  return { lum: median(lum), red: median(red), n };
}

/**
 * Mouth-opening appearance of one face: `crop` is the aligned crop (with its crop-to-source affine) and
 * `mesh` the face mesh in the same source-frame pixels (xyz interleaved). Pure.
 */
export function mouthAppearance(
  crop: Crop,
  mesh: ArrayLike<number>,
  t: MouthThresholds = MOUTH_THRESHOLDS,
): MouthAppearance {
  const none = { open: 0, teeth: 0, cavity: 0 };
  const map = toCrop(crop.toSource);
  const at = (i: number): Pt => map(mesh[i * 3] as number, mesh[i * 3 + 1] as number);
  const { width: w, height: h, rgb } = crop;
  const lips = OUTER_LIP.map(at);
  const mouth = polygonMask(lips, w, h);
  const lip = medians(crop, mouth, polygonRows(lips, h), polygonMask(INNER_LIP.map(at), w, h));
  const cheeks = new Uint8Array(w * h);
  const cheekRows: [number, number] = [h, -1];
  for (const c of CHEEKS) {
    const poly = c.map(at);
    const [v0, v1] = polygonRows(poly, h);
    const m = polygonMask(poly, w, h);
    for (let i = Math.max(0, v0) * w; i < Math.min(m.length, (v1 + 1) * w); i++) if (m[i]) cheeks[i] = 1;
    cheekRows[0] = Math.min(cheekRows[0], v0);
    cheekRows[1] = Math.max(cheekRows[1], v1);
  }
  const skinL = medians(crop, cheeks, cheekRows).lum;
  const eye = EYES.map(([a, b]) => {
    const [ax, ay] = at(a);
    const [bx, by] = at(b);
    return [(ax + bx) / 2, (ay + by) / 2] as const;
  });
  const iod = Math.hypot((eye[0]?.[0] ?? 0) - (eye[1]?.[0] ?? 0), (eye[0]?.[1] ?? 0) - (eye[1]?.[1] ?? 0));
  if (lip.n === 0 || !(iod > 0)) return none;

  const [l, r] = CORNERS.map(at) as [Pt, Pt];
  const ys = lips.map((p) => p[1]);
  const top = Math.max(1, Math.floor(Math.min(...ys)));
  const bottom = Math.min(h - 2, Math.ceil(Math.max(...ys)));
  const u0 = Math.max(0, Math.ceil(l[0] + 0.3 * (r[0] - l[0])));
  const u1 = Math.min(w - 1, Math.floor(l[0] + 0.7 * (r[0] - l[0])));
  let sumOpen = 0;
  let sumTeeth = 0;
  let sumCavity = 0;
  let columns = 0;
  for (let u = u0; u <= u1; u++) {
    // the current and the longest run in this column of open (teeth or cavity), teeth and cavity pixels
    let runOpen = 0;
    let runTeeth = 0;
    let runCavity = 0;
    let bestOpen = 0;
    let bestTeeth = 0;
    let bestCavity = 0;
    for (let v = top; v <= bottom; v++) {
      const i = v * w + u;
      // Inside the lips with both vertical neighbours: the contour's own edge pixels are often skin.
      if (!(mouth[i] && mouth[i - w] && mouth[i + w])) {
        runOpen = 0;
        runTeeth = 0;
        runCavity = 0;
        continue;
      }
      const lum = brightness(rgb, i * 3);
      const red = redness(rgb, i * 3);
      const isTeeth = red < t.teethRedness * lip.red && lum > lip.lum && lum > t.teethVsSkin * skinL;
      const isCavity = lum < t.cavity * lip.lum;
      runOpen = isTeeth || isCavity ? runOpen + 1 : 0;
      runTeeth = isTeeth ? runTeeth + 1 : 0;
      runCavity = isCavity ? runCavity + 1 : 0;
      bestOpen = Math.max(bestOpen, runOpen);
      bestTeeth = Math.max(bestTeeth, runTeeth);
      bestCavity = Math.max(bestCavity, runCavity);
    }
    // `open` (AU25) counts beyond the closed lips' own line; teeth and cavity (AU26's jaw drop) stay whole.
    sumOpen += Math.max(0, bestOpen - LIP_LINE_PX);
    sumTeeth += bestTeeth;
    sumCavity += bestCavity;
    columns++;
  }
  if (columns === 0) return none;
  const k = 1 / (columns * iod);
  return { open: sumOpen * k, teeth: sumTeeth * k, cavity: sumCavity * k };
}
