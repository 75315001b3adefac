/**
 * Every face in a still image through the production detector: the whole image, plus overlapping tiles for
 * photos of many small faces (thumbnail grids) that the detector's low input resolution would miss.
 */
import type { FaceDetector } from '../detect/index.js';
import { iou } from '../detect/index.js';
import type { Box, FaceDetection, RgbImage } from '../types.js';

export function cropImage(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const rgb = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    const from = ((y + r) * img.width + x) * 3;
    rgb.set(img.rgb.subarray(from, from + w * 3), r * w * 3);
  }
  return { width: w, height: h, rgb };
}

function shift(d: FaceDetection, dx: number, dy: number): FaceDetection {
  const mesh = Float32Array.from(d.mesh);
  for (let i = 0; i < mesh.length; i += 3) {
    mesh[i] = (mesh[i] as number) + dx;
    mesh[i + 1] = (mesh[i + 1] as number) + dy;
  }
  const box: Box = { x: d.box.x + dx, y: d.box.y + dy, w: d.box.w, h: d.box.h };
  return { box, score: d.score, mesh };
}

/**
 * Detects faces in the whole image and, when `tile` is set, in square tiles of that side (75 % stride);
 * overlapping finds (IoU > 0.3) keep the best score. Sorted top-to-bottom, left-to-right for stable ids.
 */
export async function findFaces(detector: FaceDetector, img: RgbImage, tile = 0): Promise<FaceDetection[]> {
  const found: FaceDetection[] = [...(await detector.detect(img))];
  if (tile > 0) {
    const step = Math.floor(tile * 0.75);
    for (let y = 0; y < img.height; y += step) {
      for (let x = 0; x < img.width; x += step) {
        const w = Math.min(tile, img.width - x);
        const h = Math.min(tile, img.height - y);
        if (w < 64 || h < 64) continue;
        for (const d of await detector.detect(cropImage(img, x, y, w, h))) found.push(shift(d, x, y));
      }
    }
  }
  found.sort((a, b) => b.score - a.score);
  const keep: FaceDetection[] = [];
  for (const f of found) if (!keep.some((k) => iou(k.box, f.box) > 0.3)) keep.push(f);
  const row = (b: Box): number => Math.round((b.y + b.h / 2) / Math.max(1, b.h));
  return keep.sort((a, b) => row(a.box) - row(b.box) || a.box.x - b.box.x);
}
