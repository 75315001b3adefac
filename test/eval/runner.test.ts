import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CnnEstimator } from '../../src/classify/cnn.js';
import { MeshEstimator } from '../../src/classify/mesh/index.js';
import { configSchema } from '../../src/config/index.js';
import { writeDataset } from '../../src/dataset/format.js';
import { createFaceDetector } from '../../src/detect/index.js';
import {
  binaryMetrics,
  evaluate,
  formatReport,
  padEdge,
  upscale,
  yardstickLabels,
} from '../../src/eval/index.js';
import { type AlignedCrop, AU_KEYS } from '../../src/types.js';
import { face, fixtureCrops, TEMPLATES, TINY } from '../classify/helpers.js';

describe('aupipe eval over a prepared dataset', () => {
  let dir: string;
  let crops: AlignedCrop[];
  let est: CnnEstimator;
  // crops 0-3 are faces (astronaut twice, cameraman, Messi), 4 is a coffee cup
  const subjects = ['astronaut', 'camera', 'messi', 'astronaut', 'cup'];
  // made-up intensities (0-5), alternating so each AU has both classes across crops
  const intensity = (i: number, k: number) => (i + k) % 4;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aupipe-eval-'));
    crops = await fixtureCrops();
    const meta = {
      format: 'aupipe-dataset',
      version: 1,
      templateId: TEMPLATES[0]!,
      cropSize: 112,
      aus: [...AU_KEYS],
      labelKind: 'intensity',
      source: 'test',
      createdWith: 'test/classify/eval.test.ts',
    } as const;
    const samples = crops.map((crop, i) => ({
      row: {
        subject: subjects[i]!,
        source: `crop${i}`,
        frame: 0,
        labels: Object.fromEntries(AU_KEYS.map((k, j) => [k, intensity(i, j)])),
      },
      crop,
    }));
    await writeDataset(dir, meta, samples);
    est = await CnnEstimator.open(TINY, {
      provider: 'cpu',
      intraOpThreads: 1,
      maxBatch: 8,
      knownTemplates: TEMPLATES,
    });
  });
  afterAll(async () => {
    await est?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores the CNN per AU exactly as the metrics do on its own outputs', async () => {
    const r = await evaluate({ estimator: est, dataDir: dir, batch: 2 });
    const direct = await est.estimate(crops.map((c, i) => face(c, 'x', i, i)));
    expect(r.n).toBe(5);
    expect(r.labelThreshold).toBe(2);
    for (const [j, k] of AU_KEYS.entries()) {
      const m = binaryMetrics(
        crops.map((_, i) => intensity(i, j) >= 2),
        direct.map((v) => v[k]),
        0.5,
      );
      expect(r.perAu[k]!.f1).toBeCloseTo(m.f1, 6);
      expect(r.perAu[k]!.auc).toBeCloseTo(m.auc, 6);
      expect(r.perAu[k]!.n).toBe(5);
    }
    expect(r.meanDisfa8).toBeDefined();
    const table = formatReport(r);
    expect(table).toMatch(/^AU12 +5 /m);
    expect(table).toMatch(/mean \(DISFA 8 AUs\)/);
  });

  it('reports subject-independent folds and refuses more folds than subjects', async () => {
    const r = await evaluate({ estimator: est, dataDir: dir, folds: 2 });
    const all = r.folds!.folds.flatMap((f) => f.subjects);
    expect(new Set(all).size).toBe(all.length); // no subject in two folds
    expect(r.folds!.folds.reduce((a, f) => a + f.n, 0)).toBe(5);
    await expect(evaluate({ estimator: est, dataDir: dir, folds: 5 })).rejects.toThrow(
      /5 folds need 5 subjects, found 4/,
    );
  });

  it('re-detects meshes on crops for the mesh estimator and leaves out crops without a face', async () => {
    const detector = await createFaceDetector(configSchema.parse({}).detect);
    try {
      const r = await evaluate({ estimator: new MeshEstimator(), dataDir: dir, detector });
      expect(r.estimator).toBe('mesh');
      expect(r.noFace).toBeGreaterThanOrEqual(1); // the coffee cup at least
      expect(r.noFace).toBeLessThanOrEqual(2);
      expect(r.n).toBe(5 - r.noFace);
    } finally {
      await detector.close();
    }
  });

  it('padEdge repeats border pixels', () => {
    const img = { width: 2, height: 1, rgb: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    const p = padEdge(img, 1);
    expect([p.width, p.height]).toEqual([4, 3]);
    expect(Array.from(p.rgb.subarray(0, 12))).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
  });
});

describe('upscale', () => {
  it('keeps flat areas flat and interpolates between pixel centres', () => {
    const img = { width: 2, height: 1, rgb: Uint8Array.from([0, 0, 0, 90, 90, 90]) };
    const u = upscale(img, 3);
    expect([u.width, u.height]).toEqual([6, 3]);
    const row = Array.from({ length: 6 }, (_, x) => u.rgb[x * 3]!);
    expect(row).toEqual([0, 0, 30, 60, 90, 90]);
    expect(u.rgb[(2 * 6 + 3) * 3]).toBe(60); // every row the same
  });
});

describe('yardstickLabels', () => {
  it('joins a crop to its own face by file name: base and augmented crops, never mesh-warped ones', async () => {
    const relabel = await yardstickLabels();
    const row = (file: string, subject: string) => ({ file, subject, source: 'x', frame: 0, labels: {} });
    // sample1-2 is a laughing face (AU12 and AU25 present); the subject column plays no part.
    expect(relabel?.(row('crops/sample1-2-a0.png', 'whatever'))).toMatchObject({ AU12: 1, AU25: 1 });
    expect(relabel?.(row('crops/sample1-2-a3.png', 'sample1-2'))).toMatchObject({ AU12: 1 });
    expect(relabel?.(row('crops/sample1-2-w1.png', 'sample1-2'))).toBeUndefined();
    expect(relabel?.(row('crops/sample1-n4-a0.png', 'sample1-n4'))).toBeUndefined();
    // Thumbnails share one subject per grid; they are joined by their own id.
    expect(relabel?.(row('crops/screenshot-facematch-1-a0.png', 'screenshot-facematch'))).toBeDefined();
  });
});
