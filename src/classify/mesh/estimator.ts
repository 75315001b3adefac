/**
 * The mesh-geometry AU estimator: pose-normalise the dense mesh, measure each AU geometrically, map the
 * measures to probabilities; AU25 also reads teeth or cavity between the lips from the aligned crop when one
 * is given (`mouth.ts`) and, with a landmark model, the lip gap of a second landmark net on the crop
 * (`landmarks68.ts`, `lips68.ts`). `meshAus` is pure; `MeshAuEstimator` fits the classify stage's estimator
 * shape (`name`, `estimate(faces)`) and can keep a running per-track neutral baseline for streams.
 */

import { AU_KEYS, type AuKey, type AuVector, type FaceObservation } from '../../types.js';
import type { AuEstimator } from '../estimator.js';
import { type AuCalibration, logistic, MESH_CALIBRATION, MESH_CALIBRATION_LIPS68 } from './calibration.js';
import type { Landmarks68 } from './landmarks68.js';
import { type LipMeasures68, lipMeasures68 } from './lips68.js';
import { type AuMeasures, auMeasures, CANONICAL_MEASURES, rawMeasures } from './measures.js';
import { type MouthAppearance, mouthAppearance } from './mouth.js';
import { normalizeMesh } from './normalize.js';

export interface MeshAuOptions {
  /** Raw measures of this face's own neutral (per-track baseline); default: the canonical neutral face. */
  readonly neutral?: AuMeasures;
  readonly calibration?: Readonly<Record<AuKey, AuCalibration>>;
  /** Teeth/cavity seen between the lips in the aligned crop (`mouthAppearance`); absent: geometry only. */
  readonly mouth?: MouthAppearance;
  /** Mouth measures of the 68-point landmark net on the aligned crop (`lipMeasures68`); absent: not used. */
  readonly lips68?: LipMeasures68;
}

/**
 * Weight of the crop's teeth-or-cavity run (inter-ocular units) added to the AU25 lip-gap measure. Set by
 * looking at the hand-labelled yardstick (docs/au-evidence.md): any weight from 4 up ranks about the same.
 */
export const MOUTH_OPEN_WEIGHT = 4;

/**
 * Weight of the 68-point net's lip gap (IOD units) added to the AU25 measure: 1, the weight of the mesh's own
 * lip gap there, so AU25 reads the two landmark models' gaps summed (docs/au-evidence.md).
 */
export const LIPS68_WEIGHT = 1;

/**
 * Weight of the crop's dark-cavity run (IOD units) in the AU26 measure read with the 68-point net: FACS scores
 * AU26 by the teeth parting, which shows as dark cavity between them, where a parted-lip smile (AU25 alone)
 * shows teeth. The same weight as the teeth-or-cavity run in AU25 (`MOUTH_OPEN_WEIGHT`).
 */
export const AU26_CAVITY_WEIGHT = 4;

/**
 * The net's lip gap on closed lips (its neutral reference, like the canonical face for the mesh): the median
 * over the 60 yardstick faces hand-labelled AU25 absent, 0.013 IOD. It moves only the AU25 threshold (F1), not
 * the ranking (AUC).
 */
export const LIPS68_CLOSED_GAP = 0.013;

/** Whether `meshMeasures` reads the mouth with the net's points (its AU26 measure then differs). */
const usesLips = (l: LipMeasures68 | undefined): l is LipMeasures68 => !!l && Number.isFinite(l.gap);

/**
 * Measures relative to the neutral reference, in inter-ocular units (one per AU). With `mouth`, AU25 also
 * counts the teeth or cavity the crop shows between the lips (a closed mouth shows none, so the neutral
 * reference needs no appearance term). With `lips68` (the 68-point net's reading of the same mouth), AU25
 * adds its lip gap, AU12 is the mean of the two models' AU12 measures (same points, same neutral
 * reference), and AU26 is the net's lip gap plus the crop's dark cavity (`AU26_CAVITY_WEIGHT`) instead of the
 * mesh's nose-to-chin length and lip gap: the mesh's jaw and inner lips are where it fails on open mouths
 * (AUC 0.67 re-detected), and its nose-to-chin length is anatomy as much as jaw drop on a single frame.
 * That measure has its own calibration (`MESH_CALIBRATION_LIPS68`).
 */
export function meshMeasures(
  mesh: ArrayLike<number>,
  neutral: AuMeasures = CANONICAL_MEASURES,
  mouth?: MouthAppearance,
  lips?: LipMeasures68,
): AuMeasures {
  const n = normalizeMesh(mesh);
  const m = { ...auMeasures(n.pts, n.count, neutral) };
  if (mouth) m.AU25 += MOUTH_OPEN_WEIGHT * mouth.open;
  if (usesLips(lips)) {
    m.AU25 += LIPS68_WEIGHT * (lips.gap - LIPS68_CLOSED_GAP);
    m.AU12 = (m.AU12 + lips.curve + 0.5 * lips.width - neutral.AU12) / 2;
    m.AU26 = lips.gap - LIPS68_CLOSED_GAP + AU26_CAVITY_WEIGHT * (mouth?.cavity ?? 0);
  }
  return m;
}

/** AU probabilities from one face mesh (image pixels, xyz interleaved, 468 or 478 points). */
export function meshAus(mesh: ArrayLike<number>, opts: MeshAuOptions = {}): AuVector {
  const m = meshMeasures(mesh, opts.neutral, opts.mouth, opts.lips68);
  const cal = opts.calibration ?? (usesLips(opts.lips68) ? MESH_CALIBRATION_LIPS68 : MESH_CALIBRATION);
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
  /**
   * The 68-point landmark net (`Landmarks68.open`), run on each face's aligned crop for a second lip-gap
   * reading (AU25). The estimator closes it in `close()`. Absent: mesh and mouth appearance only.
   */
  readonly landmarks?: Landmarks68;
  /**
   * Run the landmark net only on faces the detector found in this frame (`detected`), and reuse the track's
   * last reading on the frames the tracker follows in between (default off: every face, every frame).
   * The reading is in inter-ocular units, so it carries over while the face moves; it lags a mouth that
   * moves between two detections by up to `detect.every - 1` frames.
   */
  readonly landmarksOnDetections?: boolean;
}

/** Tracks whose last lip reading is kept (oldest forgotten first): far more than live faces at once. */
const LIP_CACHE_TRACKS = 4096;

/** What per-track state (baselines, last lip readings) is keyed by. */
const trackKey = (streamId: string, trackId: number): string => `${streamId}/${trackId}`;

/** Whether the observation carries a usable aligned crop. */
function hasCrop(f: FaceObservation): boolean {
  const c = f.crop;
  return !!c && c.width > 0 && c.rgb.length >= c.width * c.height * 3 && c.toSource.length >= 6;
}

export class MeshAuEstimator implements AuEstimator {
  readonly name = 'mesh';
  private readonly baselines = new Map<string, NeutralBaseline>();
  private readonly lastLips = new Map<string, LipMeasures68>();
  constructor(private readonly opts: MeshEstimatorOptions = {}) {}

  async estimate(faces: readonly FaceObservation[]): Promise<AuVector[]> {
    const lips = await this.lips68(faces);
    return faces.map((f, i) => {
      const cropped = hasCrop(f);
      const mouth =
        this.opts.mouthAppearance === false || !cropped ? undefined : mouthAppearance(f.crop, f.mesh);
      const l = lips[i];
      const extra = { ...(mouth ? { mouth } : {}), ...(l ? { lips68: l } : {}) };
      if (!this.opts.trackBaseline) return meshAus(f.mesh, extra);
      const key = trackKey(f.streamId, f.trackId);
      let b = this.baselines.get(key);
      if (!b) {
        b = new NeutralBaseline();
        this.baselines.set(key, b);
      }
      return meshAus(f.mesh, { neutral: b.update(f.mesh), ...extra });
    });
  }

  /**
   * The landmark net's mouth measures per face (undefined without the net or a usable crop), in one batch;
   * with `landmarksOnDetections`, followed faces reuse their track's last reading.
   */
  private async lips68(faces: readonly FaceObservation[]): Promise<(LipMeasures68 | undefined)[]> {
    const net = this.opts.landmarks;
    const out: (LipMeasures68 | undefined)[] = faces.map(() => undefined);
    if (!net) return out;
    const reuse = this.opts.landmarksOnDetections === true;
    const idx: number[] = [];
    faces.forEach((f, i) => {
      if (!hasCrop(f)) return;
      const last = reuse && !f.detected ? this.lastLips.get(trackKey(f.streamId, f.trackId)) : undefined;
      if (last) out[i] = last;
      else idx.push(i);
    });
    if (idx.length === 0) return out;
    const pts = await net.landmarks(idx.map((i) => (faces[i] as FaceObservation).crop));
    idx.forEach((i, k) => {
      const m = lipMeasures68(pts[k] as Float32Array);
      out[i] = m;
      if (!reuse) return;
      const f = faces[i] as FaceObservation;
      const id = trackKey(f.streamId, f.trackId);
      this.lastLips.delete(id); // re-insert: the map's order is then least recently measured first
      this.lastLips.set(id, m);
      if (this.lastLips.size > LIP_CACHE_TRACKS)
        this.lastLips.delete(this.lastLips.keys().next().value as string);
    });
    return out;
  }

  async close(): Promise<void> {
    this.baselines.clear();
    this.lastLips.clear();
    await this.opts.landmarks?.close();
  }

  /** Forget a finished track's baseline. */
  endTrack(streamId: string, trackId: number): void {
    this.baselines.delete(trackKey(streamId, trackId));
    this.lastLips.delete(trackKey(streamId, trackId));
  }
}
