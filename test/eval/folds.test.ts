/**
 * The one fold definition: the shared vectors (config/folds/vectors.json, written from the trainer's
 * `subject_folds` and checked by training/tests/test_folds.py too) and the properties every split needs.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { subjectFolds } from '../../src/eval/index.js';

interface FoldCase {
  readonly name: string;
  readonly k: number;
  readonly seed: number;
  readonly subjects: readonly string[];
  readonly folds: readonly number[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../../config/folds/vectors.json', import.meta.url), 'utf8'),
) as { cases: FoldCase[] };

describe('subjectFolds', () => {
  it('has shared vectors to check', () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(5);
  });

  for (const c of vectors.cases) {
    it(`matches the trainer's folds: ${c.name}`, () => {
      expect(subjectFolds(c.subjects, c.k, c.seed)).toEqual(c.folds);
    });
  }

  it('never splits a subject, uses every fold when there are enough subjects, and balances rows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(1000),
        (ids, k, seed) => {
          const subjects = ids.map((i) => `s${i}`);
          const f = subjectFolds(subjects, k, seed);
          const of = new Map<string, number>();
          subjects.forEach((s, i) => {
            expect(of.get(s) ?? f[i]).toBe(f[i]);
            of.set(s, f[i]!);
          });
          expect(f.every((x) => Number.isInteger(x) && x >= 0 && x < k)).toBe(true);
          if (of.size >= k) expect(new Set(f).size).toBe(k);
        },
      ),
    );
  });

  it('does not depend on row order', () => {
    const a = ['b', 'a', 'c', 'a', 'd', 'e', 'b', 'f'];
    const b = [...a].reverse();
    const fa = new Map(a.map((s, i) => [s, subjectFolds(a, 3)[i]]));
    const fb = new Map(b.map((s, i) => [s, subjectFolds(b, 3)[i]]));
    expect(fb).toEqual(fa);
  });
});
