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

/** Outer-lip contour (MediaPipe ids), going round the mouth. */
const OUTER_LIP = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185];
/** Inner-lip contour: the pixels between it and the outer contour are the lips themselves. */
const INNER_LIP = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191];
/** Cheek patches below each eye (polygons), the skin reference. */
const CHEEKS = [
  [50, 101, 36, 205, 187],
  [280, 330, 266, 425, 411],
];
const CORNERS = [61, 291] as const;
const EYES = [
  [33, 133],
  [362, 263],
] as const;

type Pt = readonly [number, number];

function insidePolygon(x: number, y: number, poly: readonly Pt[]): boolean {
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i] as Pt;
    const [xj, yj] = poly[j] as Pt;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

function median(a: number[]): number {
  if (a.length === 0) return 0;
  a.sort((p, q) => p - q);
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

/**
 * Mouth-opening appearance of one face: `crop` is the aligned crop (with its crop-to-source affine) and
 * `mesh` the face mesh in the same source-frame pixels (xyz interleaved). Pure; ~0.1 ms on a 112 px crop.
 */
export function mouthAppearance(
  crop: Pick<AlignedCrop, 'width' | 'height' | 'rgb' | 'toSource'>,
  mesh: ArrayLike<number>,
  t: MouthThresholds = MOUTH_THRESHOLDS,
): MouthAppearance {
  const map = toCrop(crop.toSource);
  const at = (i: number): Pt => map(mesh[i * 3] as number, mesh[i * 3 + 1] as number);
  const { width: w, height: h, rgb } = crop;
  const pixel = (u: number, v: number): [number, number] => {
    const o = (v * w + u) * 3;
    const r = rgb[o] as number;
    const g = rgb[o + 1] as number;
    const b = rgb[o + 2] as number;
    return [(r + g + b) / 3, (r - g) / (r + g + b + 1)];
  };
  const pixelsIn = (poly: readonly Pt[], hole?: readonly Pt[]): [number, number][] => {
    const out: [number, number][] = [];
    const xs = poly.map((p) => p[0]);
    const ys = poly.map((p) => p[1]);
    for (
      let v = Math.max(0, Math.floor(Math.min(...ys)));
      v <= Math.min(h - 1, Math.ceil(Math.max(...ys)));
      v++
    )
      for (
        let u = Math.max(0, Math.floor(Math.min(...xs)));
        u <= Math.min(w - 1, Math.ceil(Math.max(...xs)));
        u++
      )
        if (insidePolygon(u, v, poly) && !(hole && insidePolygon(u, v, hole))) out.push(pixel(u, v));
    return out;
  };

  const lips = OUTER_LIP.map(at);
  const ring = pixelsIn(lips, INNER_LIP.map(at));
  const skin = CHEEKS.flatMap((c) => pixelsIn(c.map(at)));
  const lipL = median(ring.map((p) => p[0]));
  const lipRed = median(ring.map((p) => p[1]));
  const skinL = median(skin.map((p) => p[0]));
  const eye = EYES.map(([a, b]) => {
    const [ax, ay] = at(a);
    const [bx, by] = at(b);
    return [(ax + bx) / 2, (ay + by) / 2] as const;
  });
  const iod = Math.hypot((eye[0]?.[0] ?? 0) - (eye[1]?.[0] ?? 0), (eye[0]?.[1] ?? 0) - (eye[1]?.[1] ?? 0));
  if (ring.length === 0 || iod <= 0) return { open: 0, teeth: 0, cavity: 0 };

  const [l, r] = CORNERS.map(at) as [Pt, Pt];
  const ys = lips.map((p) => p[1]);
  const top = Math.max(1, Math.floor(Math.min(...ys)));
  const bottom = Math.min(h - 2, Math.ceil(Math.max(...ys)));
  const inLips = (u: number, v: number): boolean =>
    insidePolygon(u, v, lips) && insidePolygon(u, v - 1, lips) && insidePolygon(u, v + 1, lips);
  const u0 = Math.max(0, Math.ceil(l[0] + 0.3 * (r[0] - l[0])));
  const u1 = Math.min(w - 1, Math.floor(l[0] + 0.7 * (r[0] - l[0])));
  let sumOpen = 0;
  let sumTeeth = 0;
  let sumCavity = 0;
  let columns = 0;
  for (let u = u0; u <= u1; u++) {
    let open = 0;
    let teeth = 0;
    let cavity = 0;
    const best = [0, 0, 0];
    for (let v = top; v <= bottom; v++) {
      if (!inLips(u, v)) {
        open = teeth = cavity = 0;
        continue;
      }
      const [lum, red] = pixel(u, v);
      const isTeeth = red < t.teethRedness * lipRed && lum > lipL && lum > t.teethVsSkin * skinL;
      const isCavity = lum < t.cavity * lipL;
      open = isTeeth || isCavity ? open + 1 : 0;
      teeth = isTeeth ? teeth + 1 : 0;
      cavity = isCavity ? cavity + 1 : 0;
      best[0] = Math.max(best[0] as number, open);
      best[1] = Math.max(best[1] as number, teeth);
      best[2] = Math.max(best[2] as number, cavity);
    }
    sumOpen += best[0] as number;
    sumTeeth += best[1] as number;
    sumCavity += best[2] as number;
    columns++;
  }
  if (columns === 0) return { open: 0, teeth: 0, cavity: 0 };
  const k = 1 / (columns * iod);
  return { open: sumOpen * k, teeth: sumTeeth * k, cavity: sumCavity * k };
}
