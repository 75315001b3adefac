/**
 * BlazeFace (human's 256×256 "back" model) output decoding: anchors, boxes, scores, greedy NMS, and the
 * mesh seed for each face. Pure functions, so the math is tested without a model.
 *
 * The model returns, per anchor, a logit and 16 regressors: box centre offset (2), box size (2) and six
 * keypoints (right eye, left eye, nose, mouth, right ear, left ear), all in input pixels relative to the
 * anchor centre. 896 anchors: a 16×16 grid of stride 16 with 2 anchors per cell, then 8×8 of stride 32
 * with 6 per cell (the same layout human generates).
 */
import type { Box } from '../types.js';
import { type MeshSeed, MIN_ROLL } from './face-mesh.js';
import { iou } from './tracker.js';

export const BLAZE_INPUT = 256;
export const BLAZE_ANCHORS = 896;
/** human enlarges the detector's box by this factor before cutting the mesh crop. */
export const MESH_BOX_SCALE = 1.4;

/** Anchor centres, [x, y] per anchor, in input pixels. */
export function blazeAnchors(size = BLAZE_INPUT): Float32Array {
  const out: number[] = [];
  for (const [stride, perCell] of [
    [size / 16, 2],
    [size / 8, 6],
  ] as const) {
    const cells = Math.ceil(size / stride);
    for (let gy = 0; gy < cells; gy++)
      for (let gx = 0; gx < cells; gx++)
        for (let n = 0; n < perCell; n++) out.push(stride * (gx + 0.5), stride * (gy + 0.5));
  }
  return Float32Array.from(out);
}

/** One detector candidate in input pixels. */
export interface BlazeFace {
  readonly score: number;
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  /** Six keypoints, x/y interleaved. */
  readonly keypoints: Float32Array;
}

export interface BlazeOptions {
  readonly minScore: number;
  readonly iouThreshold: number;
  readonly maxFaces: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** A candidate's box in the tracker's {x, y, w, h} form, for the shared overlap measure. */
const asBox = (f: BlazeFace): Box => ({ x: f.x1, y: f.y1, w: f.x2 - f.x1, h: f.y2 - f.y1 });

/**
 * Decodes `logits` (one per anchor) and `regressors` (16 per anchor) into faces, best first, after
 * greedy non-maximum suppression (a candidate overlapping a kept face by more than `iouThreshold` goes).
 */
export function decodeBlazeFace(
  logits: ArrayLike<number>,
  regressors: ArrayLike<number>,
  anchors: Float32Array,
  o: BlazeOptions,
): BlazeFace[] {
  const n = anchors.length / 2;
  if (logits.length !== n || regressors.length !== n * 16) {
    throw new RangeError(`blazeface outputs hold ${logits.length} anchors, expected ${n}`);
  }
  return decodeAnchors(
    { logits, logitAt: 0, logitStride: 1, regressors, regAt: 0, regStride: 16 },
    anchors,
    o,
  );
}

/** Where each anchor's logit and 16 regressors sit: `logits[logitAt + i·logitStride]`, `regressors[regAt + i·regStride + r]`. */
export interface AnchorLayout {
  readonly logits: ArrayLike<number>;
  readonly logitAt: number;
  readonly logitStride: number;
  readonly regressors: ArrayLike<number>;
  readonly regAt: number;
  readonly regStride: number;
}

/**
 * `decodeBlazeFace` over any layout of the outputs, read in place (the full-range model interleaves each anchor's
 * logit and regressors). Only anchors whose logit passes the score threshold are scored and decoded.
 */
export function decodeAnchors(l: AnchorLayout, anchors: Float32Array, o: BlazeOptions): BlazeFace[] {
  const n = anchors.length / 2;
  const { logits, logitAt, logitStride, regressors, regAt, regStride } = l;
  // sigmoid(x) > minScore exactly when x > logit(minScore); the margin keeps the float edge to the exact test below
  const minLogit =
    o.minScore > 0 && o.minScore < 1 ? Math.log(o.minScore / (1 - o.minScore)) - 1e-3 : -Infinity;
  const candidates: { i: number; score: number }[] = [];
  for (let i = 0; i < n; i++) {
    const x = logits[logitAt + i * logitStride]!;
    if (!(x > minLogit)) continue;
    const score = sigmoid(x);
    if (score > o.minScore) candidates.push({ i, score });
  }
  candidates.sort((a, b) => b.score - a.score);
  const kept: BlazeFace[] = [];
  for (const { i, score } of candidates) {
    if (kept.length >= o.maxFaces) break;
    const r = regAt + i * regStride;
    const ax = anchors[i * 2]!;
    const ay = anchors[i * 2 + 1]!;
    const cx = regressors[r]! + ax;
    const cy = regressors[r + 1]! + ay;
    const hw = regressors[r + 2]! / 2;
    const hh = regressors[r + 3]! / 2;
    const keypoints = new Float32Array(12);
    for (let k = 0; k < 6; k++) {
      keypoints[k * 2] = regressors[r + 4 + k * 2]! + ax;
      keypoints[k * 2 + 1] = regressors[r + 5 + k * 2]! + ay;
    }
    const face = { score, x1: cx - hw, y1: cy - hh, x2: cx + hw, y2: cy + hh, keypoints };
    if (kept.some((k) => iou(asBox(k), asBox(face)) > o.iouThreshold)) continue;
    kept.push(face);
  }
  return kept;
}

/**
 * The mesh seed for a detected face in a `width`×`height` frame that was squashed to the model input:
 * the box scaled back to frame pixels, enlarged by 1.4 and squared (as human does), with the roll of the
 * eye line when rotation is on and the tilt exceeds MIN_ROLL.
 */
export function blazeSeed(f: BlazeFace, width: number, height: number, rotation: boolean): MeshSeed {
  return scaledSeed(f, width / BLAZE_INPUT, height / BLAZE_INPUT, rotation);
}

/**
 * The mesh seed of a candidate whose coordinates are frame pixels once scaled by `sx`, `sy`; its box is
 * enlarged by `boxScale` (the detector's box convention: see FULL_MESH_BOX_SCALE for the full-range one).
 */
export function scaledSeed(
  f: BlazeFace,
  sx: number,
  sy: number,
  rotation: boolean,
  boxScale = MESH_BOX_SCALE,
): MeshSeed {
  const cx = ((f.x1 + f.x2) / 2) * sx;
  const cy = ((f.y1 + f.y2) / 2) * sy;
  const side = Math.max((f.x2 - f.x1) * sx, (f.y2 - f.y1) * sy) * boxScale;
  const k = f.keypoints;
  // roll from the mouth -> nose line (keypoints 3 -> 2), as human does: steadier than the short eye line
  // (the face's up vector u = nose - mouth is (sin r, -cos r) for an eye line at angle r, y down)
  const ux = (k[4]! - k[6]!) * sx;
  const uy = (k[5]! - k[7]!) * sy;
  const roll = Math.atan2(ux, -uy);
  return { cx, cy, side, roll: rotation && Math.abs(roll) > MIN_ROLL ? roll : 0 };
}
