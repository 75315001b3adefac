/**
 * `aupipe eval`: runs a production AU estimator over a prepared dataset (src/dataset/format.ts) and
 * reports per-AU precision, recall, F1, AUC and their means, overall and on subject-independent folds.
 *
 * Meshes: a prepared dataset holds aligned crops only. Estimators that read the face mesh (mesh, fusion)
 * need one, so pass `detector`: each crop is padded to twice its size (edge pixels repeated, so the
 * detector sees a whole face with margin), upscaled (see `meshOf`) and re-detected; the best face's
 * mesh is used. Crops where no
 * face is found are left out of the evaluation for every AU and counted in `noFace`, so compare
 * estimators on the same detector setting.
 */
import { performance } from 'node:perf_hooks';
import type { AuEstimator } from '../classify/index.js';
import {
  type Dataset,
  type DatasetRow,
  loadYardstick,
  readCrop,
  readDataset,
  YARDSTICK_PATH,
} from '../dataset/index.js';
import type { FaceDetector } from '../detect/index.js';
import { ConfigError } from '../errors.js';
import { AU_KEYS, type AuKey, type FaceObservation, type RgbImage } from '../types.js';
import {
  type FoldReport,
  formatTable,
  type MeanReport,
  type ScoredRow,
  type SetReport,
  scoreFolds,
  scoreSet,
} from './report.js';

export interface EvaluateOptions {
  readonly estimator: AuEstimator;
  readonly dataDir: string;
  /** k subject-independent folds (needs at least k subjects); reported beside the overall numbers. */
  readonly folds?: number;
  /** Re-detects a mesh on each crop; needed by the mesh and fusion estimators. */
  readonly detector?: FaceDetector;
  /** Label value counted as present; default 2 for FACS intensities (DISFA protocol), 0.5 for probabilities. */
  readonly labelThreshold?: number;
  /** 'card': the estimator's per-AU thresholds (0.5 where absent); 'fixed': 0.5 for every AU. */
  readonly thresholds?: 'card' | 'fixed';
  /** Faces per estimator call. */
  readonly batch?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Replaces each row's labels (undefined: leave the row out), e.g. `yardstickLabels` to score the
   * dataset's crops against the hand-labelled real faces instead of its own (pseudo) labels.
   */
  readonly relabel?: (row: DatasetRow) => Partial<Record<AuKey, number>> | undefined;
}

/**
 * Labels from the hand-labelled yardstick (test/fixtures/real-faces.json: 1 present, 0 absent, unsure
 * left out) for dataset rows whose crop is a yardstick face: `crops/<face id>-a<j>.png`, as `dataset pseudo`
 * names them. Mesh-warped crops (`-w<j>`) changed the expression, so they are never scored against them.
 */
export async function yardstickLabels(file = YARDSTICK_PATH): Promise<EvaluateOptions['relabel']> {
  const y = await loadYardstick(file);
  const byId = new Map(y.faces.map((f) => [f.id, f.labels]));
  return (row) => {
    const m = /^crops\/(.+)-a\d+\.png$/.exec(row.file);
    return m ? byId.get(m[1] as string) : undefined;
  };
}

export interface EvalReport extends SetReport {
  readonly estimator: string;
  readonly dataDir: string;
  readonly labelKind: string;
  readonly labelThreshold: number;
  /** Crops left out because re-detection found no face (only with `detector`). */
  readonly noFace: number;
  readonly seconds: number;
  readonly folds?: { readonly k: number; readonly folds: readonly FoldReport[]; readonly mean: MeanReport };
}

/** Pads an image by `pad` pixels on each side, repeating the edge pixels. */
export function padEdge(img: RgbImage, pad: number): RgbImage {
  const w = img.width + 2 * pad;
  const h = img.height + 2 * pad;
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(img.height - 1, Math.max(0, y - pad));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(img.width - 1, Math.max(0, x - pad));
      const s = (sy * img.width + sx) * 3;
      const d = (y * w + x) * 3;
      rgb[d] = img.rgb[s]!;
      rgb[d + 1] = img.rgb[s + 1]!;
      rgb[d + 2] = img.rgb[s + 2]!;
    }
  }
  return { width: w, height: h, rgb };
}

/** Bilinear upscale by an integer factor (pixel centres aligned, edges clamped). */
export function upscale(img: RgbImage, f: number): RgbImage {
  const w = img.width * f;
  const h = img.height * f;
  const rgb = new Uint8Array(w * h * 3);
  const src = img.rgb;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(img.height - 1, Math.max(0, (y + 0.5) / f - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(img.height - 1, y0 + 1);
    const ay = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(img.width - 1, Math.max(0, (x + 0.5) / f - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(img.width - 1, x0 + 1);
      const ax = fx - x0;
      const a = (y0 * img.width + x0) * 3;
      const b = (y0 * img.width + x1) * 3;
      const c = (y1 * img.width + x0) * 3;
      const d = (y1 * img.width + x1) * 3;
      const o = (y * w + x) * 3;
      for (let k = 0; k < 3; k++) {
        const top = src[a + k]! + ax * (src[b + k]! - src[a + k]!);
        const bot = src[c + k]! + ax * (src[d + k]! - src[c + k]!);
        rgb[o + k] = Math.round(top + ay * (bot - top));
      }
    }
  }
  return { width: w, height: h, rgb };
}

/**
 * The face mesh of an aligned crop, in crop pixels. The crop is padded by half its side (the detector
 * wants margin around a face) and upscaled so the face spans about 336 px: on 112-px crops as they are,
 * the mesh was too coarse to read expressions (measured on the yardstick faces: mesh AU12 AUC 0.48
 * without upscaling, 0.95 at x3).
 */
async function meshOf(detector: FaceDetector, crop: RgbImage): Promise<Float32Array | undefined> {
  const pad = crop.width >> 1;
  const f = Math.max(1, Math.round(336 / crop.width));
  const [best] = await detector.detect(upscale(padEdge(crop, pad), f));
  if (!best) return undefined;
  const m = Float32Array.from(best.mesh);
  for (let i = 0; i < m.length; i += 3) {
    m[i] = m[i]! / f - pad;
    m[i + 1] = m[i + 1]! / f - pad;
    m[i + 2] = m[i + 2]! / f;
  }
  return m;
}

function observation(i: number, img: RgbImage, mesh: Float32Array, templateId: string): FaceObservation {
  return {
    streamId: 'eval',
    seq: i,
    ptsMs: 0,
    decodedAt: 0,
    trackId: i,
    box: { x: 0, y: 0, w: img.width, h: img.height },
    score: 1,
    mesh,
    detected: true,
    crop: { ...img, toSource: [1, 0, 0, 0, 1, 0], templateId },
  };
}

/** Runs `estimator` over every crop of the dataset and scores it against the labels. */
export async function evaluate(o: EvaluateOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const read = await readDataset(o.dataDir);
  const relabel = o.relabel;
  const ds: Dataset = relabel
    ? {
        ...read,
        rows: read.rows.flatMap((r) => {
          const labels = relabel(r);
          return labels ? [{ ...r, labels }] : [];
        }),
      }
    : read;
  const { estimator: est } = o;
  if (est.alignment && est.alignment !== ds.meta.templateId) {
    throw new ConfigError(
      'EVAL_ALIGNMENT_MISMATCH',
      `${o.dataDir}: crops use alignment "${ds.meta.templateId}" but ${est.name} expects "${est.alignment}"`,
    );
  }
  const nSubjects = new Set(ds.rows.map((r) => r.subject)).size;
  if (o.folds && o.folds > nSubjects) {
    throw new ConfigError(
      'EVAL_FOLDS',
      `${o.dataDir}: ${o.folds} folds need ${o.folds} subjects, found ${nSubjects}`,
    );
  }
  const aus = AU_KEYS.filter((k) => ds.meta.aus.includes(k) && (est.aus ?? AU_KEYS).includes(k));
  const labelThreshold = o.labelThreshold ?? (ds.meta.labelKind === 'intensity' && !relabel ? 2 : 0.5);
  const batch = o.batch ?? 32;
  const scored: ScoredRow[] = [];
  let noFace = 0;
  for (let start = 0; start < ds.rows.length; start += batch) {
    const idx = Array.from({ length: Math.min(batch, ds.rows.length - start) }, (_, j) => start + j);
    // crops decode in parallel (one ffmpeg each); detection and inference run one at a time
    const imgs = await Promise.all(idx.map((i) => readCrop(ds, ds.rows[i]!)));
    const faces: FaceObservation[] = [];
    for (const [j, img] of imgs.entries()) {
      const mesh = o.detector ? await meshOf(o.detector, img) : new Float32Array(0);
      if (mesh) faces.push(observation(idx[j]!, img, mesh, ds.meta.templateId));
      else noFace++;
    }
    const out = faces.length ? await est.estimate(faces) : [];
    faces.forEach((f, j) => {
      const row = ds.rows[f.seq]!;
      scored.push({ subject: row.subject, labels: row.labels, scores: out[j]! });
    });
    o.onProgress?.(Math.min(start + batch, ds.rows.length), ds.rows.length);
  }
  const ro = {
    aus,
    labelThreshold,
    ...(o.thresholds === 'fixed' ? {} : { thresholds: est.thresholds ?? {} }),
  };
  let folds: EvalReport['folds'];
  if (o.folds && o.folds > 1) {
    const subjects = new Set(scored.map((r) => r.subject)).size;
    if (subjects < o.folds) {
      throw new ConfigError(
        'EVAL_FOLDS',
        `${o.dataDir}: ${o.folds} folds need ${o.folds} subjects, found ${subjects}`,
      );
    }
    folds = { k: o.folds, ...scoreFolds(scored, o.folds, ro) };
  }
  return {
    estimator: est.name,
    dataDir: o.dataDir,
    labelKind: relabel ? 'relabelled' : ds.meta.labelKind,
    labelThreshold,
    noFace,
    seconds: (performance.now() - t0) / 1000,
    ...scoreSet(scored, ro),
    ...(folds ? { folds } : {}),
  };
}

/** Human-readable report: the table, then one line per fold. */
export function formatReport(r: EvalReport): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  const lines = [
    `estimator ${r.estimator} on ${r.dataDir}: ${r.n} faces (${r.noFace} without a detected face), labels ${r.labelKind} >= ${r.labelThreshold}`,
    formatTable(r),
  ];
  if (r.folds) {
    for (const x of r.folds.folds) {
      lines.push(
        `fold ${x.fold} (${x.subjects.length} subjects, ${x.n} faces): F1 ${f(x.mean.f1)} AUC ${f(x.mean.auc)}`,
      );
    }
    lines.push(`mean of ${r.folds.k} folds: F1 ${f(r.folds.mean.f1)} AUC ${f(r.folds.mean.auc)}`);
  }
  return lines.join('\n');
}
