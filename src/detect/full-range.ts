/**
 * MediaPipe's full-range face detector (BlazeFace full range, `models/detect/blazeface-full.onnx`): pure
 * anchors, windows and decoding, so the math is tested without a model.
 *
 * The model takes a 192×192 NHWC image in [-1, 1] and returns [batch, 2304, 17] for faces: per anchor a
 * logit, then the same 16 regressors as the short-range model (box centre offset, box size, six keypoints,
 * in input pixels relative to the anchor centre). Its 2304 anchors are one 48×48 grid of stride 4 with one
 * anchor per cell (MediaPipe's SSD anchor options for this model: 1 layer, strides [4], aspect ratio 1,
 * fixed anchor size). A second [batch, 2304, 17] output (a "person" head) is unused.
 *
 * The detector sees square windows of the frame: the whole frame letterboxed (aspect kept), and, on frames
 * larger than one window, a grid of overlapping `tileSide`-pixel squares at native resolution, so a face
 * of ~20 px in a 1280×720 frame is ~10 px in the model input instead of 3.
 */
import type { Box } from '../types.js';
import { type BlazeFace, decodeAnchors } from './blazeface.js';
import { centreInside, iou } from './tracker.js';

export const FULL_INPUT = 192;
export const FULL_STRIDE = 4;
export const FULL_ANCHORS = (FULL_INPUT / FULL_STRIDE) ** 2; // 2304
/**
 * The mesh crop's side over a full-range box. Its boxes are tighter than the short-range model's (median
 * 0.887 of its side on the 51 faces both find in the recall set's 640x480 frames), so 1.4 / 0.887 gives the
 * mesh the same crop scale whichever detector found the face (the mesh follows a face at its seed's scale).
 */
export const FULL_MESH_BOX_SCALE = 1.58;
/** Values per anchor in the face output: 1 logit + 16 regressors. */
export const FULL_VALUES = 17;

/** Anchor centres of the full-range model, [x, y] per anchor in input pixels (row-major 48×48). */
export function fullRangeAnchors(size = FULL_INPUT, stride = FULL_STRIDE): Float32Array {
  const cells = size / stride;
  const out = new Float32Array(cells * cells * 2);
  for (let gy = 0; gy < cells; gy++)
    for (let gx = 0; gx < cells; gx++) {
      const i = (gy * cells + gx) * 2;
      out[i] = stride * (gx + 0.5);
      out[i + 1] = stride * (gy + 0.5);
    }
  return out;
}

/** A square region of the frame the detector looks at (may reach past the frame: black there). */
export interface Window {
  readonly x: number;
  readonly y: number;
  readonly side: number;
}

/**
 * The whole frame as one letterboxed square, plus, when the frame's longer side exceeds `tileSide` by
 * more than `tileFrom` times, a grid of `tileSide` squares overlapping by at least a quarter of a side (a
 * face up to a quarter tile lies wholly inside some tile). `tileSide` 0 means the whole frame only.
 */
export function detectWindows(width: number, height: number, tileSide: number, tileFrom = 1.2): Window[] {
  const long = Math.max(width, height);
  const whole: Window = { x: (width - long) / 2, y: (height - long) / 2, side: long };
  if (tileSide <= 0 || long <= tileSide * tileFrom) return [whole];
  const axis = (len: number): number[] => {
    if (len <= tileSide) return [(len - tileSide) / 2];
    const n = Math.ceil((len - tileSide) / (tileSide * 0.75)) + 1;
    const step = (len - tileSide) / (n - 1);
    return Array.from({ length: n }, (_, i) => Math.round(i * step));
  };
  const out = [whole];
  for (const y of axis(height)) for (const x of axis(width)) out.push({ x, y, side: tileSide });
  return out;
}

/** The affine map (warpAffineInto's [a, b, c, d, e, f]) from model input pixels to frame pixels. */
export function windowTransform(
  w: Window,
  size = FULL_INPUT,
): [number, number, number, number, number, number] {
  const k = w.side / size;
  return [k, 0, w.x + (k - 1) / 2, 0, k, w.y + (k - 1) / 2];
}

export interface FullRangeOptions {
  readonly minScore: number;
  readonly iouThreshold: number;
  readonly maxFaces: number;
}

/**
 * Decodes one window's face output ([2304 × 17]: logit then 16 regressors per anchor) into faces in frame
 * pixels (box and keypoints moved and scaled out of the window), best first.
 */
export function decodeFullRange(
  out: ArrayLike<number>,
  anchors: Float32Array,
  win: Window,
  o: FullRangeOptions,
  size = FULL_INPUT,
): BlazeFace[] {
  const n = anchors.length / 2;
  if (out.length !== n * FULL_VALUES) {
    throw new RangeError(`full-range output holds ${out.length / FULL_VALUES} anchors, expected ${n}`);
  }
  const layout = {
    logits: out,
    logitAt: 0,
    logitStride: FULL_VALUES,
    regressors: out,
    regAt: 1,
    regStride: FULL_VALUES,
  };
  const k = win.side / size;
  return decodeAnchors(layout, anchors, o).map((f) => {
    const keypoints = new Float32Array(12);
    for (let p = 0; p < 12; p += 2) {
      keypoints[p] = win.x + f.keypoints[p]! * k;
      keypoints[p + 1] = win.y + f.keypoints[p + 1]! * k;
    }
    return {
      score: f.score,
      x1: win.x + f.x1 * k,
      y1: win.y + f.y1 * k,
      x2: win.x + f.x2 * k,
      y2: win.y + f.y2 * k,
      keypoints,
    };
  });
}

const asBox = (f: BlazeFace): Box => ({ x: f.x1, y: f.y1, w: f.x2 - f.x1, h: f.y2 - f.y1 });

/**
 * Faces found in several windows, merged. Best score first, a face goes when it overlaps a kept one by more
 * than `iouThreshold` or its centre lies inside a kept one; a face that contains a kept face's centre and is
 * larger replaces it (a tile cuts a face into a smaller, sometimes more confident, part-face box).
 */
export function mergeFaces(faces: readonly BlazeFace[], iouThreshold: number, maxFaces: number): BlazeFace[] {
  const sorted = [...faces].sort((a, b) => b.score - a.score);
  const kept: BlazeFace[] = [];
  for (const f of sorted) {
    const b = asBox(f);
    const inside = kept.findIndex((k) => {
      const kb = asBox(k);
      return kb.w < b.w && centreInside(kb, b) && !centreInside(b, kb);
    });
    if (inside >= 0) {
      kept[inside] = f;
      continue;
    }
    if (kept.some((k) => iou(asBox(k), b) > iouThreshold || centreInside(b, asBox(k)))) continue;
    if (kept.length < maxFaces) kept.push(f);
  }
  // a replacement may now overlap another kept face: keep the first (best) of such pairs
  return kept.filter((k, i) => !kept.slice(0, i).some((o) => iou(asBox(o), asBox(k)) > iouThreshold));
}
