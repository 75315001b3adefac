/**
 * Small expression warps along the face mesh for the pseudo set (`dataset pseudo --warps N`). A warp moves a
 * few mesh landmarks (lip corners, lower lip and chin, brows) in the face's own frame and drags the pixels
 * with a smooth field that follows those moves and holds anchor landmarks still. The labels of
 * a warped face are never taken from the applied move: the face is detected again and measured (pseudo.ts).
 * Measured before (../shared FACTS.md): such warps look like rubber masks to pretrained expression nets, so
 * they are off by default and their effect on training is an experiment, not an assumption. Pure functions.
 */
import { eyeCentres } from '../classify/index.js';
import type { RgbImage } from '../types.js';

export const WARP_KINDS = ['lipCornerPull', 'jawDrop', 'browRaise'] as const;
export type WarpKind = (typeof WARP_KINDS)[number];

export interface MeshWarp {
  readonly kind: WarpKind;
  /** 0 (none) to 1 (the largest move below). */
  readonly strength: number;
}

/** A landmark's move in image pixels (dx = dy = 0 holds it still). */
export interface Handle {
  readonly x: number;
  readonly y: number;
  readonly dx: number;
  readonly dy: number;
}

/** Moves at strength 1, in inter-ocular distances (IOD) along the face's right/up axes: [landmark, right, up]. */
const MOVES: Readonly<Record<WarpKind, readonly (readonly [number, number, number])[]>> = {
  // Lip corners up 0.09 and out 0.05 IOD (the AU12 warp FACTS.md measured).
  lipCornerPull: [
    [61, -0.05, 0.09],
    [291, 0.05, 0.09],
  ],
  // Lower lip and chin down 0.28 IOD, the lower lip's sides a little less.
  jawDrop: [
    [14, 0, -0.28],
    [17, 0, -0.28],
    [152, 0, -0.28],
    [178, 0, -0.22],
    [402, 0, -0.22],
  ],
  // Inner, middle and outer brow up 0.12 IOD.
  browRaise: [
    [107, 0, 0.12],
    [105, 0, 0.12],
    [70, 0, 0.12],
    [336, 0, 0.12],
    [334, 0, 0.12],
    [300, 0, 0.12],
  ],
};

/** Landmarks held still for each warp, so the move stays local (eyes, nose, the other lip). */
const ANCHORS: Readonly<Record<WarpKind, readonly number[]>> = {
  lipCornerPull: [1, 152, 33, 263, 13, 14],
  jawDrop: [0, 1, 33, 263],
  browRaise: [159, 386, 33, 133, 362, 263, 1, 10],
};

function point(mesh: ArrayLike<number>, i: number): [number, number] {
  return [mesh[i * 3] as number, mesh[i * 3 + 1] as number];
}

/**
 * The face's own frame in the image: inter-ocular distance (in the image plane) and the unit right axis, from
 * the subject's right eye centre to the left (image left to right on an upright face).
 */
function faceFrame(mesh: ArrayLike<number>): { iod: number; ux: number; uy: number } {
  const [rx, ry, , lx, ly] = eyeCentres(mesh);
  const iod = Math.hypot(lx - rx, ly - ry);
  return { iod, ux: (lx - rx) / iod, uy: (ly - ry) / iod };
}

/**
 * The warp's handles in image pixels for a face mesh (image pixels, xyz interleaved), in the face's frame
 * (`faceFrame`; up is perpendicular to the right axis, towards the brows); moves scale with the inter-ocular
 * distance, so any face size and roll gets the same warp.
 */
export function warpHandles(mesh: ArrayLike<number>, warp: MeshWarp): Handle[] {
  const { iod, ux, uy } = faceFrame(mesh);
  // Image y grows downwards: "up" on the face is the right axis turned by -90°.
  const upx = uy;
  const upy = -ux;
  const s = Math.max(0, Math.min(1, warp.strength)) * iod;
  const handles: Handle[] = MOVES[warp.kind].map(([i, r, u]) => {
    const [x, y] = point(mesh, i);
    return { x, y, dx: s * (r * ux + u * upx), dy: s * (r * uy + u * upy) };
  });
  for (const i of ANCHORS[warp.kind]) {
    const [x, y] = point(mesh, i);
    if (!handles.some((h) => Math.hypot(h.x - x, h.y - y) < 1e-6)) handles.push({ x, y, dx: 0, dy: 0 });
  }
  return handles;
}

/** A smooth displacement field through the handles. */
export interface Field {
  readonly at: (x: number, y: number) => [number, number];
  /** Beyond this distance from every handle the field is below 1e-3 of the largest move: treated as 0. */
  readonly reach: number;
  readonly handles: readonly Handle[];
}

/**
 * Normalised Gaussian weights (Shepard interpolation with a Gaussian kernel) plus a constant background
 * weight `rest` that pulls the field to 0 away from the handles: d(p) = Σ wᵢ(p)·Dᵢ / (Σ wᵢ(p) + rest).
 * Unlike exact radial-basis interpolation it cannot overshoot (|d| ≤ the largest move), which matters when a
 * moving handle sits next to an anchor (lower and upper lip): exact interpolation rang there (tried). At a
 * lone handle it reaches Dᵢ/(1 + rest) of the move.
 */
export function displacementField(handles: readonly Handle[], sigma: number, rest = 0.05): Field {
  const inv = 1 / (2 * sigma * sigma);
  return {
    handles,
    reach: sigma * Math.sqrt(2 * Math.log(1e3 / rest)),
    at: (x, y) => {
      let dx = 0;
      let dy = 0;
      let sum = rest;
      for (const h of handles) {
        const w = Math.exp(-((x - h.x) ** 2 + (y - h.y) ** 2) * inv);
        dx += w * h.dx;
        dy += w * h.dy;
        sum += w;
      }
      return [dx / sum, dy / sum];
    },
  };
}

/**
 * Warps the image by the field: output pixel p shows the source at p − d(p) (the first-order inverse of the
 * forward move, close for moves well below σ), bilinear, edges clamped. Pixels out of the field's reach are
 * copied unchanged.
 */
export function warpImage(img: RgbImage, field: Field): RgbImage {
  const { width: w, height: h, rgb } = img;
  const out = new Uint8Array(rgb);
  if (field.handles.length === 0) return { width: w, height: h, rgb: out };
  const x0 = Math.max(0, Math.floor(Math.min(...field.handles.map((q) => q.x)) - field.reach));
  const x1 = Math.min(w - 1, Math.ceil(Math.max(...field.handles.map((q) => q.x)) + field.reach));
  const y0 = Math.max(0, Math.floor(Math.min(...field.handles.map((q) => q.y)) - field.reach));
  const y1 = Math.min(h - 1, Math.ceil(Math.max(...field.handles.map((q) => q.y)) + field.reach));
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) {
      const [dx, dy] = field.at(x, y);
      if (Math.abs(dx) < 1e-3 && Math.abs(dy) < 1e-3) continue;
      const sx = Math.min(w - 1, Math.max(0, x - dx));
      const sy = Math.min(h - 1, Math.max(0, y - dy));
      const ix = Math.min(w - 2, Math.floor(sx));
      const iy = Math.min(h - 2, Math.floor(sy));
      const fx = sx - ix;
      const fy = sy - iy;
      const o = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) {
        const p00 = rgb[(iy * w + ix) * 3 + c] as number;
        const p10 = rgb[(iy * w + ix + 1) * 3 + c] as number;
        const p01 = rgb[((iy + 1) * w + ix) * 3 + c] as number;
        const p11 = rgb[((iy + 1) * w + ix + 1) * 3 + c] as number;
        out[o + c] = Math.round(
          p00 * (1 - fx) * (1 - fy) + p10 * fx * (1 - fy) + p01 * (1 - fx) * fy + p11 * fx * fy,
        );
      }
    }
  return { width: w, height: h, rgb: out };
}

/** Applies one warp to a face: handles from its mesh, σ = 0.25 inter-ocular distances. */
export function warpFace(img: RgbImage, mesh: ArrayLike<number>, warp: MeshWarp): RgbImage {
  return warpImage(img, displacementField(warpHandles(mesh, warp), 0.25 * faceFrame(mesh).iod));
}
