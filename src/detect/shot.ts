/**
 * Cut detection, pure: a coarse grey thumbnail per frame and the mean absolute difference between two of
 * them. A pan or zoom changes few thumbnail pixels by much; a cut to another shot changes most of them.
 */
import type { RgbImage } from '../types.js';

/** Thumbnail grid; 32x24 cells are enough to tell a cut from motion and cost next to nothing. */
const GRID_W = 32;
const GRID_H = 24;

/** Grey cell means on a fixed grid (every STEP-th pixel of each cell), so texture under a pan averages out. */
export function thumbnail(img: RgbImage, out = new Uint8Array(GRID_W * GRID_H)): Uint8Array {
  const { width, height, rgb } = img;
  const STEP = 4;
  let k = 0;
  for (let gy = 0; gy < GRID_H; gy++) {
    const y0 = Math.floor((gy * height) / GRID_H);
    const y1 = Math.max(y0 + 1, Math.floor(((gy + 1) * height) / GRID_H));
    for (let gx = 0; gx < GRID_W; gx++) {
      const x0 = Math.floor((gx * width) / GRID_W);
      const x1 = Math.max(x0 + 1, Math.floor(((gx + 1) * width) / GRID_W));
      let sum = 0;
      let n = 0;
      for (let y = y0; y < y1; y += STEP) {
        for (let x = x0, i = (y * width + x0) * 3; x < x1; x += STEP, i += STEP * 3) {
          sum += rgb[i]! * 77 + rgb[i + 1]! * 150 + rgb[i + 2]! * 29;
          n++;
        }
      }
      out[k++] = sum / n / 256;
    }
  }
  return out;
}

/** Mean absolute difference of two thumbnails, 0-255. */
export function thumbDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}
