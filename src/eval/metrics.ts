/**
 * Binary classification metrics for AU evaluation: pure functions over labels and scores. The one `auc`:
 * `auc(labels, scores)`, labels first as in every function here.
 */

export interface BinaryMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Area under the ROC curve; NaN when only one class is present. */
  readonly auc: number;
  /** Samples counted, and positives among them. */
  readonly n: number;
  readonly positives: number;
}

/** Precision, recall and F1 of `score >= threshold` against boolean labels (0 where undefined, as in DISFA tables). */
export function prf(labels: readonly boolean[], scores: readonly number[], threshold: number) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  labels.forEach((y, i) => {
    const p = scores[i]! >= threshold;
    if (p && y) tp++;
    else if (p) fp++;
    else if (y) fn++;
  });
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/**
 * ROC AUC by the rank-sum (Mann-Whitney U) identity, with tied scores given their average rank, so it
 * equals the probability that a random positive outscores a random negative (ties count half).
 */
export function auc(labels: readonly boolean[], scores: readonly number[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k]!] = r;
    i = j + 1;
  }
  let pos = 0;
  let sum = 0;
  labels.forEach((y, i) => {
    if (y) {
      pos++;
      sum += ranks[i]!;
    }
  });
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (sum - (pos * (pos + 1)) / 2) / (pos * neg);
}

export function binaryMetrics(
  labels: readonly boolean[],
  scores: readonly number[],
  threshold = 0.5,
): BinaryMetrics {
  const positives = labels.filter(Boolean).length;
  return { ...prf(labels, scores, threshold), auc: auc(labels, scores), n: labels.length, positives };
}

/** Mean over finite values (AUC is NaN for an AU with one class only; it is left out, not counted as 0). */
export function meanFinite(xs: readonly number[]): number {
  const f = xs.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : Number.NaN;
}
