/**
 * Tiled detection for large still images: the face detector sees the image scaled to a small square, so
 * faces under ~4-5% of the longer side are lost (measured: 36-51 px faces in 1280x960). Running it also on
 * overlapping tiles finds them; duplicates across tiles merge by overlap. Costs one call per tile.
 */
import type { Box, FaceDetection, RgbImage } from '../types.js';
import type { FaceDetector } from './detector.js';
import { centreInside, iou } from './tracker.js';

export interface TileOptions {
  /** Images whose longer side is at most this are detected whole only. */
  readonly minSide: number;
  /** Tile side as a fraction of the image side (2x2 tiles overlapping by 2*frac-1). */
  readonly frac: number;
}

const DEFAULTS: TileOptions = { minSide: 1000, frac: 0.6 };

/** Copies the w×h region at (x0, y0) out of an RGB image. */
export function cropRegion(img: RgbImage, x0: number, y0: number, w: number, h: number): RgbImage {
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const s = ((y0 + y) * img.width + x0) * 3;
    rgb.set(img.rgb.subarray(s, s + w * 3), y * w * 3);
  }
  return { width: w, height: h, rgb };
}

/** A detection made on a crop, moved back into the coordinates of the image it was cut from. */
export function shiftDetection(d: FaceDetection, dx: number, dy: number): FaceDetection {
  const mesh = new Float32Array(d.mesh);
  for (let i = 0; i < mesh.length; i += 3) {
    mesh[i] = mesh[i]! + dx;
    mesh[i + 1] = mesh[i + 1]! + dy;
  }
  const box: Box = { x: d.box.x + dx, y: d.box.y + dy, w: d.box.w, h: d.box.h };
  return { box, score: d.score, mesh };
}

/** Whole-image detection plus 2x2 overlapping tiles for large images, merged (larger face wins). */
export async function detectTiled(
  detector: FaceDetector,
  img: RgbImage,
  opts: TileOptions = DEFAULTS,
): Promise<FaceDetection[]> {
  const whole = await detector.detect(img);
  if (Math.max(img.width, img.height) <= opts.minSide) return whole;
  const tw = Math.round(img.width * opts.frac);
  const th = Math.round(img.height * opts.frac);
  const found = [...whole];
  for (const [x0, y0] of [
    [0, 0],
    [img.width - tw, 0],
    [0, img.height - th],
    [img.width - tw, img.height - th],
  ] as const) {
    for (const d of await detector.detect(cropRegion(img, x0, y0, tw, th)))
      found.push(shiftDetection(d, x0, y0));
  }
  // A face cut by a tile border shows up smaller and inside the whole face: keep the larger box.
  found.sort((a, b) => b.box.w * b.box.h - a.box.w * a.box.h);
  const kept: FaceDetection[] = [];
  for (const d of found) {
    if (kept.some((k) => iou(k.box, d.box) >= 0.3 || centreInside(d.box, k.box))) continue;
    kept.push(d);
  }
  return kept.sort((a, b) => b.score - a.score);
}
