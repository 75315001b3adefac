/**
 * `dataset prepare --disfa DIR`: DISFA's own layout (per-subject videos `LeftVideoSN001_comp.avi`, per-AU
 * label files `SN001_au1.txt` with `frame,intensity` lines, frames counted from 1) through the production
 * detector and alignment into a prepared dataset of intensities (0–5) with subject ids.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { alignFace, type FaceDetector, TEMPLATE_ID } from '../detect/index.js';
import { AupipeError } from '../errors.js';
import { AU_KEYS, type AuKey, DISFA8, type FaceDetection } from '../types.js';
import { type Dataset, DatasetWriter } from './format.js';
import { readFrames } from './video.js';

export type DatasetErrorCode =
  | 'DISFA_LABEL_INVALID'
  | 'DISFA_LABEL_MISSING'
  | 'DISFA_NOT_FOUND'
  | 'DISFA_VIDEO_SHORT';

export class DatasetError extends AupipeError<DatasetErrorCode> {}

export interface DisfaOptions {
  readonly disfa: string;
  readonly out: string;
  readonly detector: FaceDetector;
  /** The standard 8-AU benchmark set or all 12 DISFA AUs. */
  readonly auSet?: 8 | 12;
  /** Every n-th labelled frame (1: all). */
  readonly stride?: number;
  /** Intensity at or above which an AU counts as present (standard protocol: 2). Reported, stored in meta. */
  readonly threshold?: number;
  readonly camera?: 'Left' | 'Right';
  readonly cropSize?: number;
  readonly subjects?: readonly string[];
  readonly onProgress?: (p: {
    readonly subject: string;
    readonly frames: number;
    readonly noFace: number;
  }) => void;
}

export interface DisfaReport {
  readonly dataset: Dataset;
  readonly subjects: readonly string[];
  readonly frames: number;
  /** Labelled frames (after stride) where the detector found no face: counted, not written. */
  readonly noFace: number;
  readonly noFaceFrames: Readonly<Record<string, readonly number[]>>;
  /** Rows with intensity ≥ threshold, per AU. */
  readonly positives: Readonly<Partial<Record<AuKey, number>>>;
}

/** Finds `<camera>VideoSN###_comp.avi` files anywhere under `dir`: subject id → path. */
async function findVideos(dir: string, camera: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const re = new RegExp(`^${camera}Video(SN\\d+)_comp\\.avi$`, 'i');
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(
    (err: NodeJS.ErrnoException) => {
      throw new DatasetError(
        'DISFA_NOT_FOUND',
        `DISFA folder ${dir} cannot be read (${err.code ?? err.message})`,
        {
          cause: err,
        },
      );
    },
  );
  for (const e of entries) {
    const m = re.exec(e.name);
    if (e.isFile() && m) out.set((m[1] as string).toUpperCase(), path.join(e.parentPath, e.name));
  }
  return out;
}

/** Finds the label folder of a subject: any folder holding `SN###_au1.txt`. */
async function findLabelFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && /^SN\d+_au\d+\.txt$/i.test(e.name))
      files.set(e.name.toLowerCase(), path.join(e.parentPath, e.name));
  }
  return files;
}

/** Parses one DISFA label file: `frame,intensity` per line (frames from 1); errors name the file and line. */
export function parseDisfaLabels(text: string, file: string): Map<number, number> {
  const out = new Map<number, number>();
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (!t) return;
    const m = /^(\d+)\s*[,\s]\s*(\d+(?:\.\d+)?)$/.exec(t);
    if (!m)
      throw new DatasetError(
        'DISFA_LABEL_INVALID',
        `${file}:${i + 1}: expected "frame,intensity", got "${t}"`,
      );
    const v = Number(m[2]);
    if (v < 0 || v > 5)
      throw new DatasetError('DISFA_LABEL_INVALID', `${file}:${i + 1}: intensity ${v} outside 0–5`);
    out.set(Number(m[1]), v);
  });
  return out;
}

function largest(faces: readonly FaceDetection[]): FaceDetection | undefined {
  return [...faces].sort((a, b) => b.box.w * b.box.h - a.box.w * a.box.h)[0];
}

export async function prepareDisfa(opts: DisfaOptions): Promise<DisfaReport> {
  const aus = opts.auSet === 8 ? DISFA8 : AU_KEYS;
  const stride = opts.stride ?? 1;
  const threshold = opts.threshold ?? 2;
  const videos = await findVideos(opts.disfa, opts.camera ?? 'Left');
  if (videos.size === 0) {
    throw new DatasetError(
      'DISFA_NOT_FOUND',
      `${opts.disfa}: no ${opts.camera ?? 'Left'}VideoSN###_comp.avi files`,
    );
  }
  const labelFiles = await findLabelFiles(opts.disfa);
  const subjects = [...videos.keys()].filter((s) => !opts.subjects || opts.subjects.includes(s)).sort();
  const writer = await DatasetWriter.create(opts.out, {
    format: 'aupipe-dataset',
    version: 1,
    templateId: TEMPLATE_ID,
    cropSize: opts.cropSize ?? 112,
    aus,
    labelKind: 'intensity',
    source: 'disfa',
    createdWith: `aupipe dataset prepare --disfa --aus ${aus.length} --stride ${stride} --threshold ${threshold}`,
    extra: { threshold, stride, camera: opts.camera ?? 'Left', subjects },
  });
  let frames = 0;
  let noFace = 0;
  const noFaceFrames: Record<string, number[]> = {};
  const positives: Partial<Record<AuKey, number>> = {};
  for (const sn of subjects) {
    const labels = new Map<AuKey, Map<number, number>>();
    for (const au of aus) {
      const name = `${sn}_${au.toLowerCase()}.txt`;
      const file = labelFiles.get(name.toLowerCase());
      if (!file)
        throw new DatasetError(
          'DISFA_LABEL_MISSING',
          `${sn}: label file ${name} not found under ${opts.disfa}`,
        );
      labels.set(au, parseDisfaLabels(await readFile(file, 'utf8'), file));
    }
    // Frames labelled for every AU of the set, thinned by the stride.
    const first = labels.get(aus[0] as AuKey) as Map<number, number>;
    const wanted = [...first.keys()]
      .filter((f) => aus.every((au) => labels.get(au)?.has(f)))
      .sort((a, b) => a - b)
      .filter((_, i) => i % stride === 0);
    const want = new Set(wanted);
    const last = wanted[wanted.length - 1] ?? 0;
    const video = videos.get(sn) as string;
    let index = 0;
    noFaceFrames[sn] = [];
    for await (const img of readFrames(video)) {
      index++;
      if (index > last) break;
      if (!want.has(index)) continue;
      frames++;
      const face = largest(await opts.detector.detect(img));
      if (!face) {
        noFace++;
        noFaceFrames[sn]?.push(index);
        continue;
      }
      const row: Partial<Record<AuKey, number>> = {};
      for (const au of aus) {
        const v = labels.get(au)?.get(index) as number;
        row[au] = v;
        if (v >= threshold) positives[au] = (positives[au] ?? 0) + 1;
      }
      const crop = alignFace(img, face.mesh, opts.cropSize ?? 112);
      await writer.add(
        { subject: sn, source: path.basename(video), frame: index, labels: row },
        crop,
        `${sn}-${String(index).padStart(5, '0')}`,
      );
    }
    if (index < last) {
      throw new DatasetError(
        'DISFA_VIDEO_SHORT',
        `${video}: has ${index} frames but ${sn}'s labels go to frame ${last}`,
      );
    }
    opts.onProgress?.({ subject: sn, frames, noFace });
  }
  const dataset = await writer.finish();
  return { dataset, subjects, frames, noFace, noFaceFrames, positives };
}
