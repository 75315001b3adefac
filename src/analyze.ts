/**
 * `aupipe analyze IMAGE... --json`: the faces in still images, each with box, score, the 5 alignment
 * landmarks (optionally the full mesh) and, when an estimator is given, its AU/emotion scores.
 * A file that cannot be read as an image yields an error entry; the other files are still analysed.
 */
import { boundedAus } from './classify/index.js';
import { alignFace, alignmentPoints, detectTiled, type FaceDetector } from './detect/index.js';
import { AupipeError } from './errors.js';
import { decodeImage } from './ingest/index.js';
import type { FaceObservation } from './types.js';

export interface AnalyzedFace {
  /** [x, y, w, h] in image pixels. */
  readonly box: [number, number, number, number];
  readonly score: number;
  /** The 5 alignment points [x, y]: eye image-left, eye image-right, nose tip, mouth corners. */
  readonly landmarks: number[][];
  /** Full mesh [x, y, z] (468 or 478 points), with `mesh: true`. */
  readonly mesh?: number[][];
  /** Scores from the estimator (AU probabilities, emotion scores), when one is given. */
  readonly au?: Record<string, number>;
}

export type AnalyzeResult =
  | { readonly file: string; readonly width: number; readonly height: number; readonly faces: AnalyzedFace[] }
  | { readonly file: string; readonly error: { readonly code: string; readonly message: string } };

export interface AnalyzeDeps {
  readonly detector: FaceDetector;
  readonly estimate?: (faces: FaceObservation[]) => Promise<Record<string, number>[]>;
}

export interface AnalyzeOptions {
  /** Include the full mesh per face. */
  readonly mesh?: boolean;
  /** Aligned crop size handed to the estimator (the model's input size). */
  readonly cropSize?: number;
}

const r2 = (v: number) => Math.round(v * 100) / 100;

export async function analyzeImages(
  paths: string[],
  deps: AnalyzeDeps,
  opts: AnalyzeOptions = {},
): Promise<AnalyzeResult[]> {
  const results: AnalyzeResult[] = [];
  for (const file of paths) {
    try {
      results.push(await analyzeOne(file, deps, opts));
    } catch (e) {
      const code = e instanceof AupipeError ? e.code : 'ANALYZE_FAILED';
      results.push({ file, error: { code, message: e instanceof Error ? e.message : String(e) } });
    }
  }
  return results;
}

async function analyzeOne(file: string, deps: AnalyzeDeps, opts: AnalyzeOptions): Promise<AnalyzeResult> {
  const img = await decodeImage(file);
  // stills get tiled detection on large images: small faces in big photos are otherwise missed
  const found = await detectTiled(deps.detector, img);
  // and the scan for faces the detector misses, when one is configured (detect.scanEvery > 0)
  const dets = deps.detector.scan ? [...found, ...(await deps.detector.scan(img, found))] : found;
  let scores: Record<string, number>[] | undefined;
  if (deps.estimate && dets.length > 0) {
    const size = opts.cropSize ?? 112;
    const obs: FaceObservation[] = dets.map((d, i) => ({
      streamId: file,
      seq: 0,
      ptsMs: 0,
      decodedAt: Date.now(),
      trackId: i + 1,
      box: d.box,
      score: d.score,
      mesh: d.mesh,
      detected: true,
      crop: alignFace(img, d.mesh, size),
    }));
    scores = await deps.estimate(obs);
  }
  const faces = dets.map((d, i): AnalyzedFace => {
    const p = alignmentPoints(d.mesh);
    const landmarks = [0, 1, 2, 3, 4].map((k) => [r2(p[2 * k]!), r2(p[2 * k + 1]!)]);
    const face: AnalyzedFace = {
      box: [r2(d.box.x), r2(d.box.y), r2(d.box.w), r2(d.box.h)],
      score: r2(d.score),
      landmarks,
    };
    const extra: { mesh?: number[][]; au?: Record<string, number> } = {};
    if (opts.mesh) {
      extra.mesh = [];
      for (let k = 0; k < d.mesh.length; k += 3)
        extra.mesh.push([r2(d.mesh[k]!), r2(d.mesh[k + 1]!), r2(d.mesh[k + 2]!)]);
    }
    const au = scores?.[i];
    if (au)
      extra.au = Object.fromEntries(
        Object.entries(boundedAus(au)).map(([k, v]) => [k, Math.round(v * 1000) / 1000]),
      );
    return { ...face, ...extra };
  });
  return { file, width: img.width, height: img.height, faces };
}
