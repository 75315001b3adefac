/**
 * Maps each geometric measure (inter-ocular units, relative to the neutral reference) to a probability with
 * a logistic: p = 1 / (1 + exp(-(m - centre) / scale)). Centres and scales were set by hand from the spread
 * of the measures on the hand-labelled real faces (test/fixtures/real-faces.json) and from the size of each
 * movement on a face (a 0.1 IOD lip-corner rise is a clear smile); AUC on the yardstick does not depend on
 * them, F1 at 0.5 does. `confidence` says how well geometry alone sees the AU (docs/au-evidence.md).
 * AU17 (the lower lip's centre above the corners) is set like the relative centres: the 95th percentile of the
 * measure over the 147 yardstick faces, none of which shows AU17, with a third of it as the scale.
 */
import type { AuKey } from '../../types.js';

export interface AuCalibration {
  readonly centre: number;
  readonly scale: number;
  readonly confidence: 'high' | 'medium' | 'low';
}

export const MESH_CALIBRATION: Readonly<Record<AuKey, AuCalibration>> = {
  AU1: { centre: 0.1, scale: 0.03, confidence: 'medium' },
  AU2: { centre: 0.12, scale: 0.03, confidence: 'medium' },
  AU4: { centre: 0.08, scale: 0.03, confidence: 'medium' },
  AU5: { centre: 0.08, scale: 0.015, confidence: 'low' },
  AU6: { centre: 0.05, scale: 0.03, confidence: 'low' },
  AU9: { centre: 0.12, scale: 0.03, confidence: 'low' },
  AU12: { centre: 0.08, scale: 0.025, confidence: 'high' },
  AU15: { centre: 0.031, scale: 0.01, confidence: 'medium' },
  AU17: { centre: 0.064, scale: 0.021, confidence: 'low' },
  AU20: { centre: 0.15, scale: 0.03, confidence: 'low' },
  AU25: { centre: -0.02, scale: 0.02, confidence: 'high' },
  AU26: { centre: 0.07, scale: 0.03, confidence: 'high' },
};

export function logistic(m: number, c: AuCalibration): number {
  return 1 / (1 + Math.exp(-(m - c.centre) / c.scale));
}

/**
 * With the 68-point net, AU26 is a different measure (the net's lip gap plus 4x the crop's dark cavity,
 * estimator.ts): closed lips read about 0, parted-lip smiles 0.15-0.3 (lips part over the teeth, no cavity),
 * open jaws 0.15-0.9. The centre sits at a lip gap of 0.3 IOD, or less with dark cavity between the teeth.
 */
export const MESH_CALIBRATION_LIPS68: Readonly<Record<AuKey, AuCalibration>> = {
  ...MESH_CALIBRATION,
  AU26: { centre: 0.3, scale: 0.05, confidence: 'medium' },
};

/**
 * Calibration of the person-relative measures (`baseline.ts`, `RELATIVE_AUS`): measured against the person's own
 * running median, 0 is "as this person looks most of the time". Each centre is the 95th percentile of that
 * measure on talking, mostly neutral faces: seven clips of other people than any labelled clip (webcam_talking_1/2,
 * grid_talking_1/2, single_face, subtle_expressions_glasses, looking_around in ../shared/media), each clip's
 * percentile weighted equally, so about 5% of a talking face's frames read above 0.5; the scale is a third of the
 * centre (0 reads 0.05). Reproduce: `npx tsx scripts/baseline-floor.ts` (docs/au-evidence.md).
 */
export const MESH_CALIBRATION_RELATIVE: Readonly<Partial<Record<AuKey, AuCalibration>>> = {
  AU1: { centre: 0.037, scale: 0.012, confidence: 'medium' },
  AU2: { centre: 0.028, scale: 0.009, confidence: 'medium' },
  AU4: { centre: 0.024, scale: 0.008, confidence: 'medium' },
  AU5: { centre: 0.016, scale: 0.005, confidence: 'low' },
  AU9: { centre: 0.028, scale: 0.009, confidence: 'low' },
  AU15: { centre: 0.032, scale: 0.011, confidence: 'medium' },
  AU17: { centre: 0.061, scale: 0.02, confidence: 'low' },
  AU20: { centre: 0.078, scale: 0.026, confidence: 'low' },
};
