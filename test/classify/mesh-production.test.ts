import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { type LabelledFace, loadYardstick } from '../../src/dataset/index.js';
import {
  meshEstimatorScores,
  redetectYardstick,
  scoreYardstick,
  yardstickObservations,
} from '../../src/eval/index.js';

/**
 * Issue #4's targets as production runs: every yardstick face re-detected by the default detector (ONNX Runtime),
 * then the default mesh estimator (mesh + crop + lip net + expression net) on it. The stored-mesh test in
 * mesh.test.ts scores older meshes (human's tfjs runtime with iris, on the boxes as first found).
 */
describe('mesh estimator on the production detector’s meshes of the hand-labelled faces', () => {
  it('meets AUC ≥ 0.95 for AU12, AU25 and AU26 on the faces the detector finds', async () => {
    const { faces, missed } = await redetectYardstick(configSchema.parse({}).detect);
    // measured with detect.range auto: 138 of 147 found (missed: camera-1, samples-5 and seven ~60 px
    // facematch thumbnails); range short 141 (missed camera-1, samples-1, samples-5, three thumbnails)
    expect(faces.length).toBeGreaterThanOrEqual(136);
    const fixture = join(mkdtempSync(join(tmpdir(), 'ys-onnx-')), 'meshes.json');
    writeFileSync(fixture, JSON.stringify({ version: 1, detector: 'onnx', faces }));
    const y = await loadYardstick();
    const found = y.faces.filter((f) => !missed.includes(f.id));
    const prod = await meshEstimatorScores(await yardstickObservations(found, 112, fixture));
    const by = (f: LabelledFace) => prod.get(f.id) ?? null;
    const score = (set: readonly LabelledFace[]) =>
      Object.fromEntries(scoreYardstick(set, by, ['AU12', 'AU25', 'AU26']).map((r) => [r.au, r]));
    // measured on the found faces: AU12 0.97 (91+/20-), AU25 0.96 (54/58), AU26 1.00 (4/109)
    const got = score(found);
    for (const au of ['AU12', 'AU25', 'AU26']) expect(got[au]?.auc, au).toBeGreaterThanOrEqual(0.95);
    expect(got.AU25?.positives).toBeGreaterThanOrEqual(50);
    expect(got.AU12?.negatives).toBeGreaterThanOrEqual(18);
    // the harsher convention, a missed face scoring 0 on every AU: measured AU12 0.96, AU25 0.94, AU26 1.00
    const all = score(y.faces);
    expect(all.AU12?.auc).toBeGreaterThanOrEqual(0.95);
    expect(all.AU26?.auc).toBeGreaterThanOrEqual(0.95);
    expect(all.AU25?.auc).toBeGreaterThanOrEqual(0.93);
  }, 180_000);
});
