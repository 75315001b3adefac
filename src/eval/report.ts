import { AU_KEYS, type AuKey, type AuVector, DISFA8 } from '../types.js';
import { subjectFolds } from './folds.js';
import { type BinaryMetrics, binaryMetrics, meanFinite } from './metrics.js';

/** One evaluated face: its subject, its labels (unknown AUs absent) and the estimator's probabilities. */
export interface ScoredRow {
  readonly subject: string;
  readonly labels: Readonly<Partial<Record<AuKey, number>>>;
  readonly scores: AuVector;
}

/** One AU's metrics and the threshold they were taken at. */
export interface AuReport extends BinaryMetrics {
  readonly threshold: number;
}

export type MeanReport = Pick<BinaryMetrics, 'precision' | 'recall' | 'f1' | 'auc'>;

export interface SetReport {
  readonly n: number;
  readonly perAu: Readonly<Partial<Record<AuKey, AuReport>>>;
  /** Mean over the evaluated AUs (AUC over AUs with both classes present). */
  readonly mean: MeanReport;
  /** Mean over the 8 AUs of the standard DISFA benchmark, when all 8 were evaluated. */
  readonly meanDisfa8?: MeanReport;
}

export interface ReportOptions {
  readonly aus: readonly AuKey[];
  /** Label value at or above which an AU counts as present (DISFA: intensity ≥ 2; probabilities: 0.5). */
  readonly labelThreshold: number;
  /** Decision threshold per AU on the estimator's probability (0.5 where absent). */
  readonly thresholds?: Readonly<Partial<Record<AuKey, number>>>;
}

function meanOf(per: Partial<Record<AuKey, AuReport>>, aus: readonly AuKey[]): MeanReport {
  const rs = aus.map((a) => per[a]).filter((r): r is AuReport => r !== undefined);
  const avg = (f: (r: AuReport) => number) => meanFinite(rs.map(f));
  return {
    precision: avg((r) => r.precision),
    recall: avg((r) => r.recall),
    f1: avg((r) => r.f1),
    auc: avg((r) => r.auc),
  };
}

/** Per-AU precision, recall, F1 (at the decision threshold) and AUC over rows that label that AU. */
export function scoreSet(rows: readonly ScoredRow[], o: ReportOptions): SetReport {
  const perAu: Partial<Record<AuKey, AuReport>> = {};
  for (const au of o.aus) {
    const labelled = rows.filter((r) => r.labels[au] !== undefined);
    if (!labelled.length) continue;
    const threshold = o.thresholds?.[au] ?? 0.5;
    const m = binaryMetrics(
      labelled.map((r) => r.labels[au]! >= o.labelThreshold),
      labelled.map((r) => r.scores[au]),
      threshold,
    );
    perAu[au] = { ...m, threshold };
  }
  const has8 = DISFA8.every((a) => perAu[a]);
  return {
    n: rows.length,
    perAu,
    mean: meanOf(perAu, o.aus),
    ...(has8 ? { meanDisfa8: meanOf(perAu, DISFA8) } : {}),
  };
}

export interface FoldReport extends SetReport {
  readonly fold: number;
  readonly subjects: readonly string[];
}

/**
 * The same report on each of `k` subject-independent folds (`subjectFolds`, the trainer's folds for the
 * same subjects and seed), plus the mean of the folds' means.
 */
export function scoreFolds(rows: readonly ScoredRow[], k: number, o: ReportOptions, seed = 0) {
  const fold = subjectFolds(
    rows.map((r) => r.subject),
    k,
    seed,
  );
  const folds: FoldReport[] = [];
  for (let f = 0; f < k; f++) {
    const part = rows.filter((_, i) => fold[i] === f);
    const subjects = [...new Set(part.map((r) => r.subject))].sort();
    folds.push({ fold: f, subjects, ...scoreSet(part, o) });
  }
  const m = (g: (x: MeanReport) => number) => meanFinite(folds.map((x) => g(x.mean)));
  const mean: MeanReport = {
    precision: m((x) => x.precision),
    recall: m((x) => x.recall),
    f1: m((x) => x.f1),
    auc: m((x) => x.auc),
  };
  return { folds, mean };
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '  -  ');

/** A fixed-width table: one line per AU, then the means. */
export function formatTable(r: SetReport): string {
  const head = 'AU      n    pos   thr   precision recall  F1     AUC';
  const lines = [head, '-'.repeat(head.length)];
  for (const au of AU_KEYS) {
    const a = r.perAu[au];
    if (!a) continue;
    lines.push(
      `${au.padEnd(5)} ${String(a.n).padStart(5)} ${String(a.positives).padStart(5)}  ${a.threshold.toFixed(2)}  ${fmt(a.precision)}     ${fmt(a.recall)}   ${fmt(a.f1)}  ${fmt(a.auc)}`,
    );
  }
  const row = (name: string, m: MeanReport) =>
    `${name.padEnd(24)}${fmt(m.precision)}     ${fmt(m.recall)}   ${fmt(m.f1)}  ${fmt(m.auc)}`;
  lines.push('-'.repeat(head.length), row('mean', r.mean));
  if (r.meanDisfa8) lines.push(row('mean (DISFA 8 AUs)', r.meanDisfa8));
  return lines.join('\n');
}
