/** Subject-independent folds: every row of one subject lands in the same fold (no identity leaks). */

import { seededRandom } from './augment.js';
import type { DatasetRow } from './format.js';

/** Fold index per row; subjects are shuffled with `seed`, then dealt to the fold with the fewest rows. */
export function subjectFolds(rows: readonly DatasetRow[], k: number, seed = 0): number[] {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.subject, (counts.get(r.subject) ?? 0) + 1);
  const rng = seededRandom(seed);
  const subjects = [...counts.keys()].sort().map((s) => ({ s, r: rng() }));
  subjects.sort((a, b) => (counts.get(b.s) ?? 0) - (counts.get(a.s) ?? 0) || a.r - b.r);
  const load = new Array<number>(k).fill(0);
  const fold = new Map<string, number>();
  for (const { s } of subjects) {
    const f = load.indexOf(Math.min(...load));
    fold.set(s, f);
    load[f] = (load[f] as number) + (counts.get(s) ?? 0);
  }
  return rows.map((r) => fold.get(r.subject) as number);
}
