/**
 * `dataset pseudo` samples/s (with augmentation and re-detection; then with mesh warps instead, same count, against
 * the augmented run as baseline) and `dataset prepare --disfa` frames/s.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDetector } from '../src/compose.js';
import { configSchema } from '../src/config/index.js';
import { buildPseudoDataset, prepareDisfa } from '../src/dataset/index.js';
import { AU_KEYS } from '../src/types.js';
import type { BenchOptions, BenchResult } from './harness.js';

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const root = await mkdtemp(path.join(tmpdir(), 'aupipe-bench-ds-'));
  const det = await createDetector(configSchema.parse({}).detect);
  try {
    const photos = (opts.quick ? [3] : [1, 3, 6]).map((i) => ({
      path: `node_modules/@vladmandic/face-api/demo/sample${i}.jpg`,
      tile: 0,
      identity: 'face' as const,
    }));
    const augment = opts.quick ? 2 : 4;
    const t0 = performance.now();
    const rep = await buildPseudoDataset({
      out: path.join(root, 'pseudo'),
      seed: 1,
      augment,
      detector: det,
      photos,
    });
    const pseudoS = (performance.now() - t0) / 1000;
    const tw = performance.now();
    const warped = await buildPseudoDataset({
      out: path.join(root, 'warped'),
      seed: 1,
      augment: 0,
      warps: augment,
      detector: det,
      photos,
    });
    const warpS = (performance.now() - tw) / 1000;

    const frames = opts.quick ? 30 : 150;
    const vid = path.join(root, 'disfa', 'Videos_LeftCamera');
    await mkdir(vid, { recursive: true });
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-i',
      'assets/sample.mp4',
      '-frames:v',
      String(frames),
      '-c:v',
      'mjpeg',
      path.join(vid, 'LeftVideoSN001_comp.avi'),
    ]);
    const ld = path.join(root, 'disfa', 'ActionUnit_Labels', 'SN001');
    await mkdir(ld, { recursive: true });
    for (const au of AU_KEYS) {
      const lines = Array.from({ length: frames }, (_, i) => `${i + 1},${i % 6}`);
      await writeFile(path.join(ld, `SN001_${au.toLowerCase()}.txt`), lines.join('\n'));
    }
    const t1 = performance.now();
    const d = await prepareDisfa({
      disfa: path.join(root, 'disfa'),
      out: path.join(root, 'prep'),
      detector: det,
    });
    const prepS = (performance.now() - t1) / 1000;
    return [
      {
        name: 'dataset.pseudo.samples_per_s',
        value: rep.samples / pseudoS,
        unit: 'samples/s',
        metric: 'throughput',
        note: `${rep.faces} faces x (1 + ${augment} augmented), re-detect each, PNG write`,
      },
      {
        name: 'dataset.pseudo.warped_samples_per_s',
        value: warped.samples / warpS,
        unit: 'samples/s',
        metric: 'throughput',
        note: `${warped.faces} faces x (1 + ${augment} mesh-warped), re-detect each; ${(
          warped.samples / warpS / (rep.samples / pseudoS)
        ).toFixed(2)}x the augmented run above`,
      },
      {
        name: 'dataset.prepare.frames_per_s',
        value: d.frames / prepS,
        unit: 'frames/s',
        metric: 'throughput',
        note: `${d.frames} frames 640x480, detect + align + PNG write`,
      },
    ];
  } finally {
    await det.close();
    await rm(root, { recursive: true, force: true });
  }
}
