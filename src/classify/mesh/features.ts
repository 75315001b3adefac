/**
 * The mesh student's input: one fixed-order feature vector per face, from what the mesh estimator already
 * measures (absolute measures against the canonical neutral, deviations from the person's own neutral scaled by
 * the baseline's warm-up weight, head pose, face-api's expression probabilities). The trainer
 * (`python3 -m training student`) reads the same names from the dataset's CSV header, and the student's card
 * lists them, so a model trained on another order is refused. Pure.
 */
import { AU_KEYS, type AuKey } from '../../types.js';
import { CANONICAL_IOD } from './normalize.js';
import type { HeadPose } from './pose.js';

/**
 * Landmarks (MediaPipe ids) whose pose-normalised x, y against the canonical face the student reads: lips (outer
 * and inner), brows, lids and eye corners, nose, chin and cheeks, the regions MediaPipe's blendshape model reads.
 */
export const FEATURE_POINTS = [
  0, 13, 14, 17, 37, 39, 40, 61, 78, 80, 81, 82, 84, 87, 88, 91, 95, 146, 178, 181, 185, 191, 267, 269, 270,
  291, 308, 310, 311, 312, 314, 317, 318, 321, 324, 375, 402, 405, 409, 415, 46, 52, 53, 55, 63, 65, 66, 70,
  105, 107, 276, 282, 283, 285, 293, 295, 296, 300, 334, 336, 33, 133, 144, 145, 153, 158, 159, 160, 263, 362,
  373, 374, 380, 385, 386, 387, 1, 2, 4, 48, 129, 278, 358, 148, 152, 175, 199, 200, 377, 50, 118, 205, 280,
  347, 425,
] as const;

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
  ...FEATURE_POINTS.flatMap((i) => [`pt${i}_x`, `pt${i}_y`]),
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
  /** The pose-normalised mesh (`NormalizedMesh.pts`: canonical head frame, inter-ocular units). */
  readonly points?: ArrayLike<number>;
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
  const p = f.points;
  for (const id of FEATURE_POINTS) {
    out[i++] = p ? finite((p[id * 3] as number) - (CANONICAL_IOD[id * 3] as number)) : 0;
    out[i++] = p ? finite((p[id * 3 + 1] as number) - (CANONICAL_IOD[id * 3 + 1] as number)) : 0;
  }
  return out;
}
