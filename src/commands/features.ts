/**
 * `aupipe dataset features`: real clips through the production stream pipeline (detect, track, the mesh
 * estimator with per-track baselines), writing every face's mesh-student features and AUs to `features.csv`,
 * and, with `--frames`, the decoded frames (PPM) and a `faces.csv` (file,x,y,w,h) for the training-time teacher
 * (`python3 -m training teacher label --images OUT/faces.csv`), and, with `--crops`, each face's aligned crop
 * as a prepared dataset in `OUT/crops` (the CNN trainer's input; `crop` column of features.csv). A training
 * tool: frames and crops are written only when asked and only under `--out`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { FEATURE_NAMES } from '../classify/index.js';
import { createPipelineDeps } from '../compose.js';
import { DATASET_FORMAT, DATASET_VERSION, DatasetWriter } from '../dataset/index.js';
import { TEMPLATE_ID } from '../detect/index.js';
import { streamPipeline } from '../pipeline.js';
import { AU_KEYS, type Frame } from '../types.js';
import { configFrom } from './common.js';

export interface FeaturesCommandOptions {
  readonly config?: string;
  readonly logLevel?: string;
  readonly out: string;
  /** Also write frames and faces.csv for the teacher. */
  readonly frames: boolean;
  /** Also write each face's aligned crop as a prepared dataset (OUT/crops). */
  readonly crops?: boolean;
  readonly fps?: number;
}

const HEADER = [
  'clip',
  'pts_ms',
  'track',
  'detected',
  'x',
  'y',
  'w',
  'h',
  'frame',
  'crop',
  ...FEATURE_NAMES,
  ...AU_KEYS.map((k) => `au_${k}`),
];

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(6));

function writePpm(path: string, f: Frame): void {
  const head = Buffer.from(`P6\n${f.width} ${f.height}\n255\n`, 'ascii');
  writeFileSync(
    path,
    Buffer.concat([head, Buffer.from(f.rgb.buffer, f.rgb.byteOffset, f.width * f.height * 3)]),
  );
}

export async function featuresCommand(clips: readonly string[], o: FeaturesCommandOptions): Promise<number> {
  const config = configFrom(o, { 'classify.estimator': 'mesh', ...(o.fps ? { 'ingest.fps': o.fps } : {}) });
  const out = resolve(o.out);
  const frameDir = join(out, 'frames');
  mkdirSync(o.frames ? frameDir : out, { recursive: true });
  const rows: string[] = [HEADER.join(',')];
  const faces: string[] = ['file,x,y,w,h'];
  const crops = o.crops
    ? await DatasetWriter.create(join(out, 'crops'), {
        format: DATASET_FORMAT,
        version: DATASET_VERSION,
        templateId: TEMPLATE_ID,
        cropSize: config.detect.cropSize,
        aus: AU_KEYS,
        labelKind: 'probability',
        source: 'clips:features',
        createdWith: 'aupipe dataset features --crops',
        extra: { clips: clips.map((c) => basename(c)), labels: 'mesh estimator AUs (per-track baselines)' },
      })
    : undefined;
  let pending = Promise.resolve();
  let clip = '';
  const frameFile = (seq: number): string => join(frameDir, `${clip}-${String(seq).padStart(5, '0')}.ppm`);
  const deps = await createPipelineDeps(config, undefined, {
    onFeatures: (face, feats, aus) => {
      const { x, y, w, h } = face.box;
      const file = o.frames ? frameFile(face.seq) : '';
      if (o.frames) faces.push([file, fmt(x), fmt(y), fmt(w), fmt(h)].join(','));
      let crop = '';
      if (crops) {
        const name = `${clip}-${String(face.seq).padStart(5, '0')}-t${face.trackId}`;
        crop = `crops/crops/${name}.png`;
        const labels = Object.fromEntries(AU_KEYS.map((k) => [k, aus[k]]));
        const row = { subject: clip, source: clip, frame: face.seq, labels };
        // a copy: the crop's pixels may be reused once this callback returns
        const img = { width: face.crop.width, height: face.crop.height, rgb: face.crop.rgb.slice() };
        const at = crops;
        pending = pending.then(() => at.add(row, img, name).then(() => undefined));
      }
      rows.push(
        [
          clip,
          fmt(face.ptsMs),
          face.trackId,
          face.detected ? 1 : 0,
          fmt(x),
          fmt(y),
          fmt(w),
          fmt(h),
          file,
          crop,
          ...Array.from(feats, fmt),
          ...AU_KEYS.map((k) => fmt(aus[k])),
        ].join(','),
      );
    },
  });
  try {
    for (const path of clips) {
      clip = basename(path);
      const t0 = performance.now();
      let frames = 0;
      const before = rows.length;
      await new Promise<void>((done, fail) => {
        streamPipeline(clip, { kind: 'file', path: resolve(path) }, deps, {
          onFrame: (f) => {
            frames++;
            if (o.frames) writePpm(frameFile(f.seq), f);
          },
        }).subscribe({ error: fail, complete: done });
      });
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      process.stderr.write(`${clip}: ${frames} frames, ${rows.length - before} faces, ${s} s\n`);
    }
    await pending;
    await crops?.finish();
  } finally {
    await deps.close();
  }
  writeFileSync(join(out, 'features.csv'), `${rows.join('\n')}\n`);
  if (o.frames) writeFileSync(join(out, 'faces.csv'), `${faces.join('\n')}\n`);
  process.stdout.write(`${JSON.stringify({ out, clips: clips.length, faces: rows.length - 1 })}\n`);
  return 0;
}
