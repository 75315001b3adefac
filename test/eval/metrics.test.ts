import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentile } from '../../src/classify/latency.js';
import { auc, binaryMetrics, meanFinite, prf, subjectFolds } from '../../src/eval/index.js';

/** AUC by definition: P(score+ > score-) + 0.5 P(tie), over all positive/negative pairs. */
function pairwiseAuc(y: boolean[], s: number[]): number {
  let num = 0;
  let den = 0;
  y.forEach((yi, i) => {
    if (!yi) return;
    y.forEach((yj, j) => {
      if (yj) return;
      den++;
      num += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
    });
  });
  return num / den;
}

describe('metrics', () => {
  it('F1, precision and recall on a worked example', () => {
    // tp=2 (0.9, 0.6), fp=1 (0.7), fn=1 (0.2), tn=1
    const r = prf([true, true, false, true, false], [0.9, 0.6, 0.7, 0.2, 0.1], 0.5);
    expect(r.precision).toBeCloseTo(2 / 3);
    expect(r.recall).toBeCloseTo(2 / 3);
    expect(r.f1).toBeCloseTo(2 / 3);
    expect(prf([false, false], [0.9, 0.1], 0.5)).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  it('AUC: perfect, inverted, all tied, one class', () => {
    expect(auc([false, false, true, true], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(auc([true, true, false, false], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(auc([true, false, true, false], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(auc([true, true], [0.1, 0.2])).toBeNaN();
  });

  it('AUC by ranks equals the pairwise definition, ties included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 6 })), { minLength: 2, maxLength: 40 }),
        (rows) => {
          const y = rows.map((r) => r[0]);
          const s = rows.map((r) => r[1] / 6);
          if (y.every(Boolean) || !y.some(Boolean)) return;
          expect(auc(y, s)).toBeCloseTo(pairwiseAuc(y, s), 12);
        },
      ),
    );
  });

  it('binaryMetrics counts samples and positives; meanFinite skips NaN', () => {
    const m = binaryMetrics([true, false, false], [0.8, 0.3, 0.6]);
    expect(m).toMatchObject({ n: 3, positives: 1, recall: 1, precision: 0.5, auc: 1 });
    expect(meanFinite([0.5, Number.NaN, 1])).toBe(0.75);
    expect(meanFinite([Number.NaN])).toBeNaN();
  });

  it('subject folds never split a subject and use every fold', () => {
    const subjects = ['SN003', 'SN001', 'SN001', 'SN002', 'SN004', 'SN003', 'SN005', 'SN006'];
    const f = subjectFolds(subjects, 3);
    subjects.forEach((s, i) => {
      subjects.forEach((t, j) => {
        if (s === t) expect(f[i]).toBe(f[j]);
      });
    });
    expect(new Set(f)).toEqual(new Set([0, 1, 2]));
  });

  it('nearest-rank percentiles', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(s, 0.5)).toBe(50);
    expect(percentile(s, 0.95)).toBe(95);
    expect(percentile([], 0.5)).toBe(0);
  });
});
