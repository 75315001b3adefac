/**
 * Every face in a still image through the production detector: the whole image, plus overlapping tiles for
 * photos of many small faces (thumbnail grids) that the detector's low input resolution would miss.
 */
import type { FaceDetector } from '../detect/index.js';
import { cropRegion, iou, shiftDetection } from '../detect/index.js';
import type { Box, FaceDetection, RgbImage } from '../types.js';

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
        for (const d of await detector.detect(cropRegion(img, x, y, w, h)))
          found.push(shiftDetection(d, x, y));
      }
    }
  }
  found.sort((a, b) => b.score - a.score);
  const keep: FaceDetection[] = [];
  for (const f of found) if (!keep.some((k) => iou(k.box, f.box) > 0.3)) keep.push(f);
  const row = (b: Box): number => Math.round((b.y + b.h / 2) / Math.max(1, b.h));
  return keep.sort((a, b) => row(a.box) - row(b.box) || a.box.x - b.box.x);
}
