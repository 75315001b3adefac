/**
 * The labelled recall set (test/fixtures/face-boxes.json) and its scoring: frames decoded from
 * ../shared/media at native resolution (or letterboxed to the pipeline's analysis size), detections matched
 * to the hand-checked boxes. Shared by bench/detect-recall.ts and test/detect/recall.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/config/index.js';
import { decodeImage } from '../src/ingest/index.js';
import type { Box, FaceDetection, RgbImage } from '../src/types.js';

export const LABELS_FILE = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'face-boxes.json');

export interface LabelledFace {
  /** [x, y, w, h] in native frame pixels. */
  readonly box: readonly [number, number, number, number];
  readonly pose: 'frontal' | 'three-quarter' | 'profile' | 'down';
}

export interface LabelledFrame {
  readonly source: string;
  readonly timeS: number | null;
  readonly width: number;
  readonly height: number;
  readonly lighting: string;
  readonly faces: readonly LabelledFace[];
}

export const BUCKETS = ['20-40', '40-80', '>=80'] as const;
export type Bucket = (typeof BUCKETS)[number];

export const bucketOf = (side: number): Bucket => (side < 40 ? '20-40' : side < 80 ? '40-80' : '>=80');

/** The detector's box is the mesh crop, 1.4× the face (blazeface.ts MESH_BOX_SCALE): shrink it back. */
const FACE_OF_BOX = 1 / 1.4;

export function faceBox(d: FaceDetection): Box {
  const w = d.box.w * FACE_OF_BOX;
  const h = d.box.h * FACE_OF_BOX;
  return { x: d.box.x + (d.box.w - w) / 2, y: d.box.y + (d.box.h - h) / 2, w, h };
}

export function loadLabels(file = LABELS_FILE): LabelledFrame[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { frames: LabelledFrame[] }).frames;
}

/**
 * One frame: a still decoded whole, a clip frame decoded at `timeS`. `analysis` letterboxes it into that
 * size (the ingest's filter), and the labels are mapped along with `mapLabels`.
 */
export function decodeFrame(
  mediaDir: string,
  f: LabelledFrame,
  analysis?: { width: number; height: number },
): Promise<RgbImage> | RgbImage {
  const file = path.join(mediaDir, f.source);
  if (f.timeS === null && !analysis) return decodeImage(file);
  const w = analysis?.width ?? f.width;
  const h = analysis?.height ?? f.height;
  const vf = analysis
    ? `scale=${w}:${h}:force_original_aspect_ratio=decrease:flags=bilinear,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:black`
    : 'null';
  const rgb = execFileSync(
    'ffmpeg',
    [
      ...['-v', 'error', ...(f.timeS === null ? [] : ['-ss', String(f.timeS)]), '-i', file],
      ...['-frames:v', '1', '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    ],
    { maxBuffer: w * h * 3 + 1024 },
  );
  return { width: w, height: h, rgb: new Uint8Array(rgb.buffer, rgb.byteOffset, w * h * 3) };
}

/** The labels of `f` in a `width`×`height` letterboxed analysis frame (null: native). */
export function mapLabels(f: LabelledFrame, analysis?: { width: number; height: number }): LabelledFace[] {
  if (!analysis) return [...f.faces];
  const k = Math.min(analysis.width / f.width, analysis.height / f.height);
  const ox = (analysis.width - Math.round(f.width * k)) / 2;
  const oy = (analysis.height - Math.round(f.height * k)) / 2;
  return f.faces.map((g) => ({
    pose: g.pose,
    box: [g.box[0] * k + ox, g.box[1] * k + oy, g.box[2] * k, g.box[3] * k] as const,
  }));
}

export interface FrameScore {
  /** Per label, whether a detection matched it. */
  readonly found: readonly boolean[];
  /** Unmatched detections whose face is at least 20 px (smaller unlabelled faces do not count). */
  readonly falsePositives: number;
}

/**
 * Matches detections to labels, best score first, one to one: a detection's face (its box shrunk by 1.4)
 * matches a label when its centre lies within half a label side of the label's centre and its side is
 * 0.5-2× the label's (the boxes are hand-checked, not pixel-tight, so no tight IoU).
 */
export function scoreFrame(labels: readonly LabelledFace[], dets: readonly FaceDetection[]): FrameScore {
  const found = labels.map(() => false);
  let falsePositives = 0;
  for (const d of [...dets].sort((a, b) => b.score - a.score)) {
    const b = faceBox(d);
    const cx = b.x + b.w / 2;
    const cy = b.y + b.h / 2;
    let best = -1;
    let bestDist = Number.POSITIVE_INFINITY;
    labels.forEach((g, i) => {
      if (found[i]) return;
      const [x, y, w, h] = g.box;
      const dist = Math.hypot(cx - (x + w / 2), cy - (y + h / 2));
      const ratio = b.w / w;
      if (dist <= w / 2 && ratio >= 0.5 && ratio <= 2 && dist < bestDist) {
        best = i;
        bestDist = dist;
      }
    });
    if (best >= 0) found[best] = true;
    else if (b.w >= 20) falsePositives++;
  }
  return { found, falsePositives };
}

export interface RecallSummary {
  readonly recall: Readonly<Record<Bucket, { found: number; total: number }>>;
  readonly falsePositives: number;
  readonly frames: number;
}

export function summarise(
  perFrame: readonly { labels: readonly LabelledFace[]; score: FrameScore }[],
): RecallSummary {
  const recall = Object.fromEntries(BUCKETS.map((b) => [b, { found: 0, total: 0 }])) as Record<
    Bucket,
    { found: number; total: number }
  >;
  let falsePositives = 0;
  for (const { labels, score } of perFrame) {
    labels.forEach((g, i) => {
      const r = recall[bucketOf(g.box[2])];
      r.total++;
      if (score.found[i]) r.found++;
    });
    falsePositives += score.falsePositives;
  }
  return { recall, falsePositives, frames: perFrame.length };
}
