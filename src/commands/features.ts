/**
 * `aupipe dataset features`: real clips through the production stream pipeline (detect, track, the mesh
 * estimator with per-track baselines), writing every face's mesh-student features and AUs to `features.csv`,
 * and, with `--frames`, the decoded frames (PPM) and a `faces.csv` (file,x,y,w,h) for the training-time teacher
 * (`python3 -m training teacher label --images OUT/faces.csv`). A training tool: frames are written only when
 * asked and only under `--out`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { FEATURE_NAMES } from '../classify/index.js';
import { createPipelineDeps } from '../compose.js';
import { streamPipeline } from '../pipeline.js';
import { AU_KEYS, type Frame } from '../types.js';
import { configFrom } from './common.js';

export interface FeaturesCommandOptions {
  readonly config?: string;
  readonly logLevel?: string;
  readonly out: string;
  /** Also write frames and faces.csv for the teacher. */
  readonly frames: boolean;
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
  let clip = '';
  const frameFile = (seq: number): string => join(frameDir, `${clip}-${String(seq).padStart(5, '0')}.ppm`);
  const deps = await createPipelineDeps(config, undefined, {
    onFeatures: (face, feats, aus) => {
      const { x, y, w, h } = face.box;
      const file = o.frames ? frameFile(face.seq) : '';
      if (o.frames) faces.push([file, fmt(x), fmt(y), fmt(w), fmt(h)].join(','));
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
  } finally {
    await deps.close();
  }
  writeFileSync(join(out, 'features.csv'), `${rows.join('\n')}\n`);
  if (o.frames) writeFileSync(join(out, 'faces.csv'), `${faces.join('\n')}\n`);
  process.stdout.write(`${JSON.stringify({ out, clips: clips.length, faces: rows.length - 1 })}\n`);
  return 0;
}
