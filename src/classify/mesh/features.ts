/**
 * The mesh student's input: one fixed-order feature vector per face, from what the mesh estimator already
 * measures (absolute measures against the canonical neutral, deviations from the person's own neutral scaled by
 * the baseline's warm-up weight, head pose, face-api's expression probabilities). The trainer
 * (`python3 -m training student`) reads the same names from the dataset's CSV header, and the student's card
 * lists them, so a model trained on another order is refused. Pure.
 */
import { AU_KEYS, type AuKey } from '../../types.js';
import type { HeadPose } from './pose.js';

/** face-api's seven expression classes, in the order the features carry them. */
export const FEATURE_EXPRESSIONS = [
  'neutral',
  'happy',
  'sad',
  'angry',
  'fearful',
  'disgusted',
  'surprised',
] as const;

/** Head pose is fed in units of 45°. */
const POSE_UNIT = 45;

export const FEATURE_NAMES: readonly string[] = [
  ...AU_KEYS.map((k) => `abs_${k}`),
  ...AU_KEYS.map((k) => `rel_${k}`),
  'baseline_weight',
  'yaw',
  'pitch',
  'roll',
  ...FEATURE_EXPRESSIONS.map((e) => `expr_${e}`),
  'expr_present',
];

export interface FeatureInput {
  /** Measures against the canonical neutral (`meshMeasures` with the mouth and lip readings). */
  readonly absolute: Readonly<Record<AuKey, number>>;
  /** Raw measures of this frame (`rawMeasures`) and the person's neutral of the same measures, when known. */
  readonly raw?: Readonly<Record<AuKey, number>>;
  readonly personNeutral?: Readonly<Record<AuKey, number>> | null;
  /** The baseline's warm-up weight in [0, 1] (0 for stills). */
  readonly weight: number;
  readonly pose: HeadPose;
  readonly expressions?: Readonly<Record<string, number>>;
}

const finite = (v: number | undefined): number => (v !== undefined && Number.isFinite(v) ? v : 0);

/** The feature vector (length `FEATURE_NAMES.length`); a value that cannot be measured reads 0, never NaN. */
export function studentFeatures(f: FeatureInput): Float32Array {
  const out = new Float32Array(FEATURE_NAMES.length);
  let i = 0;
  for (const k of AU_KEYS) out[i++] = finite(f.absolute[k]);
  const w = f.raw && f.personNeutral ? Math.min(1, Math.max(0, finite(f.weight))) : 0;
  for (const k of AU_KEYS)
    out[i++] = w > 0 ? w * finite((f.raw?.[k] as number) - (f.personNeutral?.[k] as number)) : 0;
  out[i++] = w;
  out[i++] = finite(f.pose.yaw) / POSE_UNIT;
  out[i++] = finite(f.pose.pitch) / POSE_UNIT;
  out[i++] = finite(f.pose.roll) / POSE_UNIT;
  const e = f.expressions;
  for (const name of FEATURE_EXPRESSIONS) out[i++] = e ? finite(e[name]) : 0;
  out[i++] = e ? 1 : 0;
  return out;
}
