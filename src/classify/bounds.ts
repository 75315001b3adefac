/**
 * No published AU probability claims certainty: every reading is squashed linearly into
 * [PROBABILITY_FLOOR, 1 − PROBABILITY_FLOOR] before it leaves the classify stage or `analyze`. A reading of a face
 * from landmarks and crops is not certain to better than about 1% (the frame labels' own blind re-check disagreed
 * on 2 of 722), so 0.00 and 1.00 would overstate it. The map is monotone, so every ranking (AUC) is unchanged;
 * estimators keep their own unbounded values inside (their log-odds mixes need them).
 */
export const PROBABILITY_FLOOR = 0.01;

/** `p` squashed into [PROBABILITY_FLOOR, 1 − PROBABILITY_FLOOR] (monotone; NaN stays NaN). Pure. */
export function boundedProbability(p: number): number {
  return PROBABILITY_FLOOR + (1 - 2 * PROBABILITY_FLOOR) * p;
}

/** Every AU of a vector bounded (`boundedProbability`), same keys. Pure. */
export function boundedAus<K extends string>(au: Readonly<Record<K, number>>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of Object.keys(au) as K[]) out[k] = boundedProbability(au[k]);
  return out;
}
