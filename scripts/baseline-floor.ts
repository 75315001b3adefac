/**
 * The person-relative calibration's noise floor (`MESH_CALIBRATION_RELATIVE`): runs the default detector over
 * talking, mostly neutral clips of people who appear in no labelled clip, reads each relative AU's measure
 * against the track's own median, and prints per clip its 95th percentile and the mean over clips (each clip
 * weighs the same): the centres of the relative calibration; the scales are a third of them.
 *
 *   npx tsx scripts/baseline-floor.ts [--media ../shared/media] [--fps 10]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { lastValueFrom, toArray } from 'rxjs';
import {
  AuBatcher,
  type AuEstimator,
  median,
  normalizeMesh,
  RELATIVE_AUS,
  rawMeasures,
} from '../src/classify/index.js';
import { loadConfig } from '../src/config/index.js';
import { createFaceDetector } from '../src/detect/index.js';
import { loadRules } from '../src/emotion/index.js';
import { openSource, parseSource } from '../src/ingest/index.js';
import { streamPipeline } from '../src/pipeline.js';
import type { AuKey } from '../src/types.js';

/** Clips of talking, mostly neutral faces; none of these people is in test/fixtures/video-labels.json. */
export const FLOOR_CLIPS = [
  'webcam_talking_1.mp4',
  'webcam_talking_2.mp4',
  'grid_talking_1.mpg',
  'grid_talking_2.mpg',
  'single_face.mp4',
  'subtle_expressions_glasses.mp4',
  'looking_around.mp4',
] as const;

/** Per relative AU, the 95th percentile of (measure − the track's median) over one clip's faces. */
export function relativeFloor(tracks: ReadonlyMap<number, Record<AuKey, number>[]>): Record<AuKey, number> {
  const out = {} as Record<AuKey, number>;
  for (const au of RELATIVE_AUS) {
    const rel: number[] = [];
    for (const rows of tracks.values()) {
      const m = median(rows.map((r) => r[au]));
      for (const r of rows) rel.push(r[au] - m);
    }
    rel.sort((a, b) => a - b);
    out[au] = rel[Math.min(rel.length - 1, Math.max(0, Math.ceil(0.95 * rel.length) - 1))] ?? 0; // nearest rank
  }
  return out;
}

async function clipMeasures(file: string, fps: number): Promise<Map<number, Record<AuKey, number>[]>> {
  const config = loadConfig({ overrides: { ingest: { fps } } });
  const tracks = new Map<number, Record<AuKey, number>[]>();
  const recorder: AuEstimator = {
    name: 'floor',
    async estimate(faces) {
      for (const f of faces) {
        const n = normalizeMesh(f.mesh);
        const rows = tracks.get(f.trackId) ?? [];
        rows.push(rawMeasures(n.pts, n.count));
        tracks.set(f.trackId, rows);
      }
      return faces.map(() => ({}) as Record<AuKey, number>);
    },
    close: async () => undefined,
  };
  const detector = await createFaceDetector(config.detect);
  const batcher = new AuBatcher(recorder, config.classify);
  try {
    const deps = { config, detector, batcher, rules: loadRules(config.emotion.rules), source: openSource };
    await lastValueFrom(streamPipeline('floor', parseSource(file), deps).pipe(toArray()));
  } finally {
    await batcher.close();
    await detector.close();
  }
  return tracks;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      media: { type: 'string', default: '../shared/media' },
      fps: { type: 'string', default: '10' },
    },
  });
  const fps = Number(values.fps);
  const floors: Record<AuKey, number>[] = [];
  const fmt = (v: number) => v.toFixed(3).padStart(7);
  console.log(`clip                            ${RELATIVE_AUS.map((a) => a.padStart(7)).join('')}`);
  for (const clip of FLOOR_CLIPS) {
    const f = relativeFloor(await clipMeasures(path.join(values.media, clip), fps));
    floors.push(f);
    console.log(`${clip.padEnd(32)}${RELATIVE_AUS.map((a) => fmt(f[a])).join('')}`);
  }
  const mean = (a: AuKey) => floors.reduce((s, f) => s + f[a], 0) / floors.length;
  console.log(`${'centre (mean of clips)'.padEnd(32)}${RELATIVE_AUS.map((a) => fmt(mean(a))).join('')}`);
  console.log(`${'scale (centre / 3)'.padEnd(32)}${RELATIVE_AUS.map((a) => fmt(mean(a) / 3)).join('')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
