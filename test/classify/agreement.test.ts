import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auKeyOf, knownAlignmentTemplates } from '../../src/classify/bundle.js';
import { CnnEstimator } from '../../src/classify/cnn.js';
import type { AlignedCrop, AuVector } from '../../src/types.js';
import { agreementFixture, face, TEMPLATES, TINY } from './helpers.js';

/** ORT through the TypeScript preprocessing must reproduce PyTorch on the same crops (≤ 1e-4). */
function agreement(dir: string, label: string, known: () => readonly string[]) {
  describe(`numerical agreement with PyTorch: ${label}`, () => {
    let est: CnnEstimator;
    let crops: AlignedCrop[];
    let exp: { aus: string[]; probs: number[][] };
    beforeAll(async () => {
      est = await CnnEstimator.open(dir, {
        provider: 'cpu',
        intraOpThreads: 2,
        maxBatch: 4,
        knownTemplates: known(),
      });
      const fx = await agreementFixture(dir, est.bundle.card.alignment);
      crops = fx.crops;
      exp = fx;
    });
    afterAll(() => est?.close());

    it('matches per AU in batches and one by one', async () => {
      expect(crops.length).toBeGreaterThan(1);
      const faces = crops.map((c, i) => face(c, 's', i, i));
      // maxBatch 4: full batches plus a ragged one, all through the preallocated input tensor
      const batched = await est.estimate(faces);
      const single: AuVector[] = [];
      for (const f of faces) single.push(...(await est.estimate([f])));
      expect(batched).toHaveLength(exp.probs.length);
      let worst = 0;
      exp.probs.forEach((row, i) => {
        exp.aus.forEach((au, j) => {
          const k = auKeyOf(au)!;
          worst = Math.max(worst, Math.abs(batched[i]![k] - row[j]!), Math.abs(single[i]![k] - row[j]!));
        });
      });
      expect(worst).toBeLessThanOrEqual(1e-4);
      // guard against a degenerate fixture: the outputs differ across faces
      expect(new Set(exp.probs.map((r) => r[0]!.toFixed(4))).size).toBeGreaterThan(1);
    });
  });
}

agreement(TINY, 'tiny test bundle', () => TEMPLATES);

const MOBILENET = join(import.meta.dirname, '..', '..', 'models', 'au-mobilenet');
if (existsSync(join(MOBILENET, 'fixture.json'))) {
  agreement(MOBILENET, 'shipped au-mobilenet bundle', () => knownAlignmentTemplates());
}
