/**
 * face-api's SSD-MobileNetV1 face detector (`models/detect/ssd-mobilenetv1.onnx`, rebuilt from face-api's weights by
 * `python3 -m training face-api-ssd`; trained on WIDER FACE, rich in small and crowded faces): a candidate for the
 * room-camera faces MediaPipe's detectors miss (issue #23, measured in `bench detect-recall`). It proposes face
 * boxes only (no keypoints, no mesh). The graph decodes its 5118 anchors; here are the letterbox into its 512²
 * input, the score threshold and the merge across windows (pure), and the model call.
 */
import { type Inference, tensor } from '../runtime/browser.js';
import type { Box, RgbImage } from '../types.js';
import { warpAffineInto } from './align.js';
import type { BlazeFace } from './blazeface.js';
import type { MeshSeed } from './face-mesh.js';
import { mergeFaces, type Window, windowTransform } from './full-range.js';
import { centreInside } from './tracker.js';

export const SSD_INPUT = 512;
export const SSD_ANCHORS = 5118;
/** The mesh crop around an SSD face box: its longer side times this (the box is about the face). */
export const SSD_MESH_BOX_SCALE = 1.4;

export interface SsdOptions {
  readonly minScore: number;
  readonly iouThreshold: number;
  readonly maxFaces: number;
}

export interface SsdFace {
  /** The face box in frame pixels (face-api's box: about the face, not the 1.4× mesh crop). */
  readonly box: Box;
  readonly score: number;
}

/**
 * One window's outputs (`boxes` [5118 × 4] as ymin, xmin, ymax, xmax fractions of the input side; `scores`
 * [5118]) as faces in frame pixels at or above `minScore`, unmerged.
 */
export function decodeSsd(
  boxes: ArrayLike<number>,
  scores: ArrayLike<number>,
  win: Window,
  minScore: number,
): SsdFace[] {
  if (scores.length * 4 !== boxes.length) {
    throw new RangeError(`SSD outputs disagree: ${boxes.length / 4} boxes, ${scores.length} scores`);
  }
  const out: SsdFace[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!(s >= minScore)) continue; // NaN never passes
    const y1 = Math.max(0, boxes[i * 4]!);
    const x1 = Math.max(0, boxes[i * 4 + 1]!);
    const y2 = Math.min(1, boxes[i * 4 + 2]!);
    const x2 = Math.min(1, boxes[i * 4 + 3]!);
    if (!(x2 > x1 && y2 > y1)) continue;
    out.push({
      score: s,
      box: {
        x: win.x + x1 * win.side,
        y: win.y + y1 * win.side,
        w: (x2 - x1) * win.side,
        h: (y2 - y1) * win.side,
      },
    });
  }
  return out;
}

/** Faces of several windows merged as the full-range detector merges its tiles (full-range.ts `mergeFaces`). */
export function mergeSsd(faces: readonly SsdFace[], o: SsdOptions): SsdFace[] {
  const asBlaze = faces.map(
    (f): BlazeFace => ({
      score: f.score,
      x1: f.box.x,
      y1: f.box.y,
      x2: f.box.x + f.box.w,
      y2: f.box.y + f.box.h,
      keypoints: new Float32Array(12),
    }),
  );
  return mergeFaces(asBlaze, o.iouThreshold, o.maxFaces).map((f) => ({
    score: f.score,
    box: { x: f.x1, y: f.y1, w: f.x2 - f.x1, h: f.y2 - f.y1 },
  }));
}

/** Runs the SSD on each window of `img` (one batch) and returns the merged faces, best first. */
export async function detectSsd(
  model: Inference,
  img: RgbImage,
  windows: readonly Window[],
  o: SsdOptions,
): Promise<SsdFace[]> {
  const per = SSD_INPUT * SSD_INPUT * 3;
  const input = new Float32Array(windows.length * per);
  windows.forEach((w, i) => {
    warpAffineInto(img, windowTransform(w, SSD_INPUT), SSD_INPUT, input, i * per, 1, 0);
  });
  const out = await model.run({ input: tensor(input, [windows.length, SSD_INPUT, SSD_INPUT, 3]) });
  const boxes = out.boxes?.data;
  const scores = out.scores?.data;
  if (!boxes || !scores || scores.length !== windows.length * SSD_ANCHORS) {
    throw new RangeError(`SSD model outputs ${Object.keys(out).join(', ')}: expected boxes and scores`);
  }
  const faces: SsdFace[] = [];
  windows.forEach((w, i) => {
    faces.push(
      ...decodeSsd(
        boxes.subarray(i * SSD_ANCHORS * 4, (i + 1) * SSD_ANCHORS * 4),
        scores.subarray(i * SSD_ANCHORS, (i + 1) * SSD_ANCHORS),
        w,
        o.minScore,
      ),
    );
  });
  return mergeSsd(faces, o);
}

/**
 * The SSD faces that are none of the `known` faces (boxes of any convention): a face is known when either
 * box's centre lies inside the other. What a scan for new faces adds to the faces a detector already found.
 */
export function freshFaces(found: readonly SsdFace[], known: readonly Box[]): SsdFace[] {
  return found.filter((f) => !known.some((k) => centreInside(f.box, k) || centreInside(k, f.box)));
}

/** The face-mesh seed of an SSD face: its box centre, its longer side grown to the mesh crop, no roll. */
export function ssdSeed(f: SsdFace): MeshSeed {
  return {
    cx: f.box.x + f.box.w / 2,
    cy: f.box.y + f.box.h / 2,
    side: Math.max(f.box.w, f.box.h) * SSD_MESH_BOX_SCALE,
    roll: 0,
  };
}
