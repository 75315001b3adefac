/**
 * Scoring any scorer on the hand-labelled real faces (src/dataset/hand-labels.ts): per-AU rank (AUC) and
 * threshold (F1) metrics, and their markdown table.
 */
import type { LabelledFace } from '../dataset/index.js';
import { AU_KEYS, type AuKey } from '../types.js';
import { auc, prf } from './metrics.js';

/** F1 of the positive class at a decision threshold (score ≥ threshold means present); NaN when nothing is positive. */
function f1OrNaN(labels: readonly boolean[], scores: readonly number[], threshold: number): number {
  const somethingPositive = labels.includes(true) || scores.some((s) => s >= threshold);
  return somethingPositive ? prf(labels, scores, threshold).f1 : Number.NaN;
}

export interface AuScore {
  readonly au: string;
  readonly positives: number;
  readonly negatives: number;
  readonly auc: number;
  readonly f1: number;
}

/**
 * Scores one scorer on the yardstick: `score(face)` returns per-AU scores (or null when the scorer saw no
 * face there: it then counts as score 0, so misses cost AUC instead of vanishing). `aus` picks which keys to
 * report; a key may be a combination like 'AU1+AU2+AU26' whose label is 1 when all parts are 1 and 0 when
 * any part is 0.
 */
export function scoreYardstick(
  faces: readonly LabelledFace[],
  score: (face: LabelledFace) => Readonly<Record<string, number>> | null,
  aus: readonly string[] = AU_KEYS,
  threshold = 0.5,
): AuScore[] {
  const scored = faces.map((f) => ({ f, s: score(f) }));
  return aus.map((au) => {
    const parts = au.split('+') as AuKey[];
    const s: number[] = [];
    const l: boolean[] = [];
    for (const { f, s: sc } of scored) {
      const ls = parts.map((p) => f.labels[p]);
      const label = ls.some((v) => v === 0) ? 0 : ls.every((v) => v === 1) ? 1 : undefined;
      if (label === undefined) continue;
      s.push(sc?.[au] ?? 0);
      l.push(label === 1);
    }
    const positives = l.filter(Boolean).length;
    return {
      au,
      positives,
      negatives: l.length - positives,
      auc: auc(l, s),
      f1: f1OrNaN(l, s, threshold),
    };
  });
}

/** Markdown table of yardstick scores, one row per AU. */
export function yardstickTable(name: string, rows: readonly AuScore[]): string {
  const fmt = (v: number): string => (Number.isNaN(v) ? '–' : v.toFixed(2));
  const lines = [`| ${name} | pos | neg | AUC | F1@0.5 |`, '|---|---|---|---|---|'];
  for (const r of rows)
    lines.push(`| ${r.au} | ${r.positives} | ${r.negatives} | ${fmt(r.auc)} | ${fmt(r.f1)} |`);
  return lines.join('\n');
}
