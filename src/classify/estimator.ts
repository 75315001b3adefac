import type { AuKey, AuVector, FaceObservation } from '../types.js';

/**
 * Turns faces into the 12 DISFA AU probabilities. One interface for the CNN bundle, the mesh-geometry
 * estimator and their fusion; the batcher, the stage and `eval` only see this.
 */
export interface AuEstimator {
  /** Goes into `AuSample.model`: `name@version` for bundles, `mesh`, `fusion(…)`. */
  readonly name: string;
  /** One vector per face, in input order, every value in [0, 1]. */
  estimate(faces: readonly FaceObservation[]): Promise<AuVector[]>;
  close(): Promise<void>;
  /** A track ended: forget what the estimator keeps per track (baselines, last readings). */
  endTrack?(streamId: string, trackId: number): void;
  /** AUs the estimator really measures (others read 0); all 12 when absent. */
  readonly aus?: readonly AuKey[];
  /** Alignment template the estimator's crops must come from (bundles); absent when any will do. */
  readonly alignment?: string;
  /** Per-AU decision thresholds (model card); 0.5 where absent. */
  readonly thresholds?: Readonly<Partial<Record<AuKey, number>>>;
}

/** What the classify stage needs from the detect stage's crops; checked when the estimator starts. */
export interface CropSpec {
  readonly size: number;
  readonly templateId?: string;
}
