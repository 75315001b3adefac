/**
 * The mesh-geometry AU estimator: pose-normalise the dense mesh, measure each AU geometrically, map the
 * measures to probabilities; AU25 also reads teeth or cavity between the lips from the aligned crop when one
 * is given (`mouth.ts`). `meshAus` is pure; `MeshAuEstimator` fits the classify stage's estimator shape
 * (`name`, `estimate(faces)`) and can keep a running per-track neutral baseline for streams.
 */

import { AU_KEYS, type AuKey, type AuVector, type FaceObservation } from '../../types.js';
import type { AuEstimator } from '../estimator.js';
import { type AuCalibration, logistic, MESH_CALIBRATION } from './calibration.js';
import { type AuMeasures, auMeasures, CANONICAL_MEASURES, rawMeasures } from './measures.js';
import { type MouthAppearance, mouthAppearance } from './mouth.js';
import { normalizeMesh } from './normalize.js';

export interface MeshAuOptions {
  /** Raw measures of this face's own neutral (per-track baseline); default: the canonical neutral face. */
  readonly neutral?: AuMeasures;
  readonly calibration?: Readonly<Record<AuKey, AuCalibration>>;
  /** Teeth/cavity seen between the lips in the aligned crop (`mouthAppearance`); absent: geometry only. */
  readonly mouth?: MouthAppearance;
}

/**
 * Weight of the crop's teeth-or-cavity run (inter-ocular units) added to the AU25 lip-gap measure. Set by
 * looking at the hand-labelled yardstick (docs/au-evidence.md): any weight from 4 up ranks about the same.
 */
export const MOUTH_OPEN_WEIGHT = 4;

/**
 * Measures relative to the neutral reference, in inter-ocular units (one per AU). With `mouth`, AU25 also
 * counts the teeth or cavity the crop shows between the lips (a closed mouth shows none, so the neutral
 * reference needs no appearance term).
 */
export function meshMeasures(
  mesh: ArrayLike<number>,
  neutral?: AuMeasures,
  mouth?: MouthAppearance,
): AuMeasures {
  const n = normalizeMesh(mesh);
  const m = auMeasures(n.pts, n.count, neutral);
  return mouth ? { ...m, AU25: m.AU25 + MOUTH_OPEN_WEIGHT * mouth.open } : m;
}

/** AU probabilities from one face mesh (image pixels, xyz interleaved, 468 or 478 points). */
export function meshAus(mesh: ArrayLike<number>, opts: MeshAuOptions = {}): AuVector {
  const m = meshMeasures(mesh, opts.neutral, opts.mouth);
  const cal = opts.calibration ?? MESH_CALIBRATION;
  const out = {} as Record<AuKey, number>;
  for (const k of AU_KEYS) out[k] = logistic(m[k], cal[k]);
  return out;
}

/**
 * Running neutral for one track: a slow exponential average of the raw measures, blended with the canonical
 * neutral until `warmup` frames are seen. Individual anatomy (brow height, lip thickness) then stops reading
 * as an AU. It assumes a face is mostly near neutral over the window (said in docs/au-evidence.md).
 */
export class NeutralBaseline {
  private mean: Record<AuKey, number> | null = null;
  private seen = 0;
  constructor(
    private readonly rate = 0.02,
    private readonly warmup = 30,
  ) {}

  update(mesh: ArrayLike<number>): AuMeasures {
    const n = normalizeMesh(mesh);
    const raw = rawMeasures(n.pts, n.count);
    if (!this.mean) this.mean = { ...raw };
    else for (const k of AU_KEYS) this.mean[k] += this.rate * (raw[k] - this.mean[k]);
    this.seen++;
    const w = Math.min(1, this.seen / this.warmup);
    const out = {} as Record<AuKey, number>;
    for (const k of AU_KEYS) out[k] = w * this.mean[k] + (1 - w) * CANONICAL_MEASURES[k];
    return out;
  }
}

export interface MeshEstimatorOptions {
  /** Keep a running per-track neutral baseline (streams); off: the canonical neutral face. */
  readonly trackBaseline?: boolean;
  /** Read teeth/cavity between the lips from each face's aligned crop (default on); off: geometry only. */
  readonly mouthAppearance?: boolean;
}

/** The crop's mouth appearance, when the observation carries a usable crop. */
function mouthOf(f: FaceObservation): MouthAppearance | undefined {
  const c = f.crop;
  if (!c || c.rgb.length < c.width * c.height * 3 || c.toSource.length < 6) return undefined;
  return mouthAppearance(c, f.mesh);
}

export class MeshAuEstimator implements AuEstimator {
  readonly name = 'mesh';
  private readonly baselines = new Map<string, NeutralBaseline>();
  constructor(private readonly opts: MeshEstimatorOptions = {}) {}

  async estimate(faces: readonly FaceObservation[]): Promise<AuVector[]> {
    return faces.map((f) => {
      const mouth = this.opts.mouthAppearance === false ? undefined : mouthOf(f);
      if (!this.opts.trackBaseline) return meshAus(f.mesh, mouth ? { mouth } : {});
      const key = `${f.streamId}/${f.trackId}`;
      let b = this.baselines.get(key);
      if (!b) {
        b = new NeutralBaseline();
        this.baselines.set(key, b);
      }
      return meshAus(f.mesh, { neutral: b.update(f.mesh), ...(mouth ? { mouth } : {}) });
    });
  }

  async close(): Promise<void> {
    this.baselines.clear();
  }

  /** Forget a finished track's baseline. */
  endTrack(streamId: string, trackId: number): void {
    this.baselines.delete(`${streamId}/${trackId}`);
  }
}
