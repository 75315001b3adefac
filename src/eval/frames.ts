/**
 * The video-frame yardstick (`test/fixtures/frame-labels.json`): frames of real clips sampled on a fixed grid and
 * labelled by eye (1 present, 0 absent, unsure left out), each with the person it shows. `scoreFrames` matches
 * each labelled frame to the AU sample of the stream nearest its time and reports per-AU AUC with its counts and
 * the number of persons with a positive. Pure; `aupipe eval --frames` runs the clips (src/commands/eval-frames.ts).
 */
import { z } from 'zod';
import { AU_KEYS, type AuKey } from '../types.js';
import { auc } from './metrics.js';

const LABEL_KEYS = [...AU_KEYS, 'eyesClosed'] as const;
const labelSchema = z.partialRecord(z.enum(LABEL_KEYS), z.union([z.literal(0), z.literal(1)]));

export const frameLabelsSchema = z
  .object({
    version: z.literal(1),
    description: z.string(),
    annotator: z.string().min(1),
    persons: z.record(
      z.string().min(1),
      z.object({ clips: z.array(z.string().min(1)), what: z.string().optional() }).loose(),
    ),
    frames: z.array(
      z
        .object({
          clip: z.string().min(1),
          t: z.number().min(0),
          person: z.string().min(1),
          labels: labelSchema,
        })
        .loose(),
    ),
    stills: z.array(z.object({ face: z.string().min(1), labels: labelSchema }).loose()).optional(),
  })
  .loose();

export type FrameLabels = z.infer<typeof frameLabelsSchema>;

/** What scoring needs of an AU sample. */
export interface TimedAus {
  readonly ptsMs: number;
  readonly trackId: number;
  readonly au: Readonly<Record<AuKey, number>>;
}

export interface FrameAuScore {
  readonly au: AuKey;
  /** NaN when one class is missing. */
  readonly auc: number;
  readonly positives: number;
  readonly negatives: number;
  /** Distinct persons with at least one positive frame (folds are by person). */
  readonly personsWithPositive: number;
}

export interface FrameScores {
  readonly perAu: readonly FrameAuScore[];
  /** Labelled frames matched to a sample / labelled frames with any label. */
  readonly matched: number;
  readonly labelled: number;
}

/** The sample nearest `tMs` within `tolMs` (lowest track id on ties: the clip's first face). */
export function nearestSample(
  samples: readonly TimedAus[],
  tMs: number,
  tolMs: number,
): TimedAus | undefined {
  let best: TimedAus | undefined;
  for (const s of samples) {
    const d = Math.abs(s.ptsMs - tMs);
    if (d > tolMs) continue;
    const bd = best ? Math.abs(best.ptsMs - tMs) : Number.POSITIVE_INFINITY;
    if (d < bd || (d === bd && best && s.trackId < best.trackId)) best = s;
  }
  return best;
}

/** Per-AU AUC over the labelled frames, each matched to its clip's sample nearest in time (within `tolMs`). */
export function scoreFrames(
  labels: FrameLabels,
  samplesByClip: ReadonlyMap<string, readonly TimedAus[]>,
  tolMs = 60,
): FrameScores {
  const ys = new Map<AuKey, { y: boolean[]; s: number[]; persons: Set<string> }>();
  let matched = 0;
  let labelled = 0;
  for (const f of labels.frames) {
    if (Object.keys(f.labels).length === 0) continue;
    labelled++;
    const s = nearestSample(samplesByClip.get(f.clip) ?? [], f.t * 1000, tolMs);
    if (!s) continue;
    matched++;
    for (const k of AU_KEYS) {
      const v = f.labels[k];
      if (v === undefined) continue;
      const row = ys.get(k) ?? { y: [], s: [], persons: new Set<string>() };
      row.y.push(v === 1);
      row.s.push(s.au[k]);
      if (v === 1) row.persons.add(f.person);
      ys.set(k, row);
    }
  }
  const perAu = AU_KEYS.filter((k) => ys.has(k)).map((k) => {
    const r = ys.get(k) as { y: boolean[]; s: number[]; persons: Set<string> };
    const positives = r.y.filter(Boolean).length;
    const negatives = r.y.length - positives;
    return {
      au: k,
      auc: positives && negatives ? auc(r.y, r.s) : Number.NaN,
      positives,
      negatives,
      personsWithPositive: r.persons.size,
    };
  });
  return { perAu, matched, labelled };
}

/** The table `aupipe eval --frames` prints. */
export function formatFrameScores(s: FrameScores, title: string): string {
  const lines = [
    title,
    `${s.matched} of ${s.labelled} labelled frames matched to a face`,
    'AU     AUC    positives  negatives  persons+',
  ];
  for (const r of s.perAu)
    lines.push(
      `${r.au.padEnd(6)} ${Number.isNaN(r.auc) ? '  n/a' : r.auc.toFixed(3)}  ${String(r.positives).padStart(9)}  ${String(r.negatives).padStart(9)}  ${String(r.personsWithPositive).padStart(8)}`,
    );
  return lines.join('\n');
}
