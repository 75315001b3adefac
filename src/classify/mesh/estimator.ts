/**
 * The mesh-geometry AU estimator: pose-normalise the dense mesh, measure each AU geometrically, map the
 * measures to probabilities; AU25 also reads teeth or cavity between the lips from the aligned crop when one
 * is given (`mouth.ts`) and, with a landmark model, the lip gap of a second landmark net on the crop
 * (`landmarks68.ts`, `lips68.ts`). `meshAus` is pure; `MeshAuEstimator` fits the classify stage's estimator
 * shape (`name`, `estimate(faces)`) and can keep a running per-track neutral baseline for streams.
 */

import { clockMs, stageTimer } from '../../stage-timer.js';
import { AU_KEYS, type AuKey, type AuVector, type FaceObservation } from '../../types.js';
import type { AuEstimator } from '../estimator.js';
import { type BaselineOptions, BaselineStore, blendCalibration, blendNeutral } from './baseline.js';
import {
  type AuCalibration,
  logistic,
  MESH_CALIBRATION,
  MESH_CALIBRATION_LIPS68,
  MESH_CALIBRATION_RELATIVE,
} from './calibration.js';
import { type ExpressionNet, type Expressions, prototypeEvidence } from './expression-net.js';
import { studentFeatures } from './features.js';
import type { LandmarkNet } from './landmark-net.js';
import { type LipMeasures68, lipMeasures68 } from './lips68.js';
import { type AuMeasures, auMeasures, CANONICAL_MEASURES, rawMeasures } from './measures.js';
import { type MouthAppearance, mouthAppearance } from './mouth.js';
import { type NormalizedMesh, normalizeMesh, normalizeMeshOnce } from './normalize.js';
import { headPose } from './pose.js';
import type { StudentNet } from './student-net.js';

export interface MeshAuOptions {
  /** Raw measures of this face's own neutral; default: the canonical neutral face. */
  readonly neutral?: AuMeasures;
  /**
   * The person's running neutral and how far it is trusted (`TrackBaseline`): `RELATIVE_AUS` are then read
   * against it with `MESH_CALIBRATION_RELATIVE`, both blended in by `weight` (0: absolute, 1: relative).
   */
  readonly person?: { readonly neutral: AuMeasures | null; readonly weight: number };
  /** `normalizeMesh(mesh)` when the caller has it already (it is the costly step). */
  readonly normalized?: NormalizedMesh;
  readonly calibration?: Readonly<Record<AuKey, AuCalibration>>;
  /** Teeth/cavity seen between the lips in the aligned crop (`mouthAppearance`); absent: geometry only. */
  readonly mouth?: MouthAppearance;
  /** Mouth measures of the 68-point landmark net on the aligned crop (`lipMeasures68`); absent: not used. */
  readonly lips68?: LipMeasures68;
  /** face-api's expression probabilities on the aligned crop (`FaceExpressions`); absent: not used. */
  readonly expressions?: Expressions;
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

/**
 * Weight of the expression net's `happy` in AU6 and AU12 (log-odds mean: p = σ((1 − w)·logit(mesh) +
 * w·logit(happy))). Equal weight, not fitted: the two are different kinds of evidence (landmark geometry against
 * appearance) and each ranks AU12 about as well alone on the hand-labelled faces (docs/au-evidence.md).
 */
export const EXPRESSION_WEIGHT = 0.5;

/** AUs the expression net's `happy` is evidence for: the lip-corner pull and the cheek raise of a smile. */
export const EXPRESSION_AUS = ['AU6', 'AU12'] as const satisfies readonly AuKey[];

/** Probabilities are clamped to [ε, 1 − ε] before the log-odds: a saturated softmax must not decide alone. */
const LOGIT_EPS = 1e-4;
const logit = (p: number): number => {
  const q = Math.min(1 - LOGIT_EPS, Math.max(LOGIT_EPS, p));
  return Math.log(q / (1 - q));
};

/** One AU probability with the expression net's `happy` mixed in (`EXPRESSION_WEIGHT`, log-odds). Pure. */
export function withHappy(p: number, happy: number): number {
  return 1 / (1 + Math.exp(-((1 - EXPRESSION_WEIGHT) * logit(p) + EXPRESSION_WEIGHT * logit(happy))));
}

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
  normalized?: NormalizedMesh,
): AuMeasures {
  const n = normalized ?? normalizeMesh(mesh);
  const m = { ...auMeasures(n.pts, n.count, neutral) };
  if (mouth) m.AU25 += MOUTH_OPEN_WEIGHT * mouth.open;
  if (usesLips(lips)) {
    m.AU25 += LIPS68_WEIGHT * (lips.gap - LIPS68_CLOSED_GAP);
    m.AU12 = (m.AU12 + lips.rise + 0.5 * lips.width - neutral.AU12) / 2;
    m.AU26 = lips.gap - LIPS68_CLOSED_GAP + AU26_CAVITY_WEIGHT * (mouth?.cavity ?? 0);
  }
  return m;
}

/** AU probabilities from one face mesh (image pixels, xyz interleaved, 468 or 478 points). */
export function meshAus(mesh: ArrayLike<number>, opts: MeshAuOptions = {}): AuVector {
  const w = opts.person?.neutral ? opts.person.weight : 0;
  const neutral = blendNeutral(opts.neutral ?? CANONICAL_MEASURES, opts.person?.neutral ?? null, w);
  const m = meshMeasures(mesh, neutral, opts.mouth, opts.lips68, opts.normalized);
  const base = opts.calibration ?? (usesLips(opts.lips68) ? MESH_CALIBRATION_LIPS68 : MESH_CALIBRATION);
  const cal = blendCalibration(base, MESH_CALIBRATION_RELATIVE, w);
  const out = {} as Record<AuKey, number>;
  for (const k of AU_KEYS) out[k] = logistic(m[k], cal[k]);
  const happy = opts.expressions?.happy;
  if (happy !== undefined && Number.isFinite(happy))
    for (const k of EXPRESSION_AUS) out[k] = withHappy(out[k], happy);
  if (opts.expressions)
    for (const [k, e] of Object.entries(prototypeEvidence(opts.expressions)) as [AuKey, number][])
      out[k] = withHappy(out[k], e);
  return out;
}

export interface MeshEstimatorOptions {
  /**
   * Person-specific normalisation for streams (`baseline.ts`): each track's running median is its neutral for
   * `RELATIVE_AUS`, blended in over the warm-up. Absent: every face against the canonical neutral (stills).
   */
  readonly baseline?: BaselineOptions;
  /** Read teeth/cavity between the lips from each face's aligned crop (default on); off: geometry only. */
  readonly mouthAppearance?: boolean;
  /**
   * The 68-point landmark net (`Landmarks68.open`), run on each face's aligned crop for a second lip-gap
   * reading (AU25). The estimator closes it in `close()`. Absent: mesh and mouth appearance only.
   */
  readonly landmarks?: LandmarkNet;
  /**
   * face-api's expression net (`FaceExpressions.open`), run on each face's aligned crop: its `happy` is averaged
   * into AU6 and AU12 (`EXPRESSION_WEIGHT`). The estimator closes it in `close()`. Absent: not used.
   */
  readonly expressions?: ExpressionNet;
  /**
   * Run the crop nets (landmarks, expressions) only on faces the detector found in this frame (`detected`),
   * and reuse the track's last readings on the frames the tracker follows in between (default off: every face,
   * every frame). The lip reading is in inter-ocular units and `happy` a probability, so both carry over while
   * the face moves; they lag a face that changes between two detections by up to `detect.every - 1` frames.
   */
  readonly cropNetsOnDetections?: boolean;
  /**
   * The mesh student (`student.ts`) over each face's `studentFeatures`; its AUs are mixed with the geometric
   * reading in log-odds by `studentWeight` × the card's per-AU `fusionWeights` (1 × 1: the student alone). The estimator closes it in `close()`.
   */
  readonly student?: StudentNet;
  readonly studentWeight?: number;
  /** Sees each face's feature vector and final AUs (dataset tools: `aupipe dataset features`). */
  readonly onFeatures?: (face: FaceObservation, features: Float32Array, aus: AuVector) => void;
}

/** `a` and `b` mixed in log-odds, `w` toward `b`. */
function mixLogOdds(a: number, b: number, w: number): number {
  return 1 / (1 + Math.exp(-((1 - w) * logit(a) + w * logit(b))));
}

/** Tracks whose last crop-net readings are kept (oldest forgotten first): far more than live faces at once. */
const CROP_CACHE_TRACKS = 4096;

/** What per-track state (baselines, last crop-net readings) is keyed by. */
const trackKey = (streamId: string, trackId: number): string => `${streamId}/${trackId}`;

/** Whether the observation carries a usable aligned crop. */
function hasCrop(f: FaceObservation): boolean {
  const c = f.crop;
  return !!c && c.width > 0 && c.rgb.length >= c.width * c.height * 3 && c.toSource.length >= 6;
}

/** What the crop nets read on one face. */
interface CropReading {
  readonly lips68?: LipMeasures68;
  readonly expressions?: Expressions;
}

export class MeshAuEstimator implements AuEstimator {
  readonly name = 'mesh';
  private readonly baselines: BaselineStore | undefined;
  private readonly lastReading = new Map<string, CropReading>();
  constructor(private readonly opts: MeshEstimatorOptions = {}) {
    this.baselines = opts.baseline ? new BaselineStore(opts.baseline) : undefined;
  }

  /** Whether faces are read against their track's own neutral (streams) or the canonical one (stills). */
  get personNormalised(): boolean {
    return this.baselines !== undefined;
  }

  async estimate(faces: readonly FaceObservation[]): Promise<AuVector[]> {
    const readings = await this.cropReadings(faces);
    const t = stageTimer();
    const t0 = t ? clockMs() : 0;
    const rows = faces.map((f, i) => this.read(f, readings[i] as CropReading));
    if (t) t.add('au', clockMs() - t0, faces.length);
    const { student, onFeatures } = this.opts;
    if (student) {
      const w = this.opts.studentWeight ?? 1;
      const ys = await student.run(rows.map((r) => r.features as Float32Array));
      rows.forEach((r, i) => {
        const y = ys[i] as Float32Array;
        const aus = { ...r.aus } as Record<AuKey, number>;
        student.aus.forEach((k, j) => {
          aus[k] = mixLogOdds(aus[k], y[j] as number, w * student.fusionWeight(k));
        });
        r.aus = aus;
      });
    }
    if (onFeatures)
      rows.forEach((r, i) => {
        onFeatures(faces[i] as FaceObservation, r.features as Float32Array, r.aus);
      });
    return rows.map((r) => r.aus);
  }

  /** One face's geometric AUs and, when a student or a tool needs them, its feature vector. */
  private read(f: FaceObservation, crop: CropReading): { aus: AuVector; features: Float32Array | undefined } {
    const mouth =
      this.opts.mouthAppearance === false || !hasCrop(f) ? undefined : mouthAppearance(f.crop, f.mesh);
    const extra = { ...(mouth ? { mouth } : {}), ...crop };
    const n = normalizeMeshOnce(f.mesh);
    const raw = this.baselines ? rawMeasures(n.pts, n.count) : undefined;
    const b = raw && this.baselines?.observe(f.streamId, f.trackId, f.ptsMs, raw, f.box);
    const person = b ? { neutral: b.neutral(), weight: b.weight() } : undefined;
    const aus = meshAus(f.mesh, { ...extra, normalized: n, ...(person ? { person } : {}) });
    if (!this.opts.student && !this.opts.onFeatures) return { aus, features: undefined };
    const features = studentFeatures({
      absolute: meshMeasures(f.mesh, CANONICAL_MEASURES, mouth, crop.lips68, n),
      ...(raw ? { raw } : {}),
      personNeutral: person?.neutral ?? null,
      weight: person?.weight ?? 0,
      pose: headPose(n.rotation),
      ...(crop.expressions ? { expressions: crop.expressions } : {}),
      points: n.pts,
    });
    return { aus, features };
  }

  /**
   * The crop nets' readings per face (empty without the nets or a usable crop), one batch per net; with
   * `cropNetsOnDetections`, followed faces reuse their track's last readings.
   */
  private async cropReadings(faces: readonly FaceObservation[]): Promise<CropReading[]> {
    const { landmarks, expressions } = this.opts;
    const out: CropReading[] = faces.map(() => ({}));
    if (!landmarks && !expressions) return out;
    const reuse = this.opts.cropNetsOnDetections === true;
    const idx: number[] = [];
    // A followed face takes the reading of its track's latest detected face before it: in this batch when there
    // is one (`from`), else from an earlier batch. The result then does not depend on how frames fall into batches.
    const latestInBatch = new Map<string, number>();
    const from = new Map<number, number>();
    faces.forEach((f, i) => {
      if (!hasCrop(f)) return;
      const id = trackKey(f.streamId, f.trackId);
      if (reuse && !f.detected) {
        const j = latestInBatch.get(id);
        if (j !== undefined) {
          from.set(i, j);
          return;
        }
        const last = this.lastReading.get(id);
        if (last) {
          out[i] = last;
          return;
        }
      }
      idx.push(i);
      latestInBatch.set(id, i);
    });
    if (idx.length === 0) return out;
    const crops = idx.map((i) => (faces[i] as FaceObservation).crop);
    // One net after the other: run together, their ORT thread pools would contend for the same cores.
    const pts = await landmarks?.landmarks(crops);
    const exprs = await expressions?.expressions(crops);
    idx.forEach((i, k) => {
      const lips = pts ? lipMeasures68(pts[k] as Float32Array) : undefined;
      const e = exprs?.[k];
      const r: CropReading = { ...(lips ? { lips68: lips } : {}), ...(e ? { expressions: e } : {}) };
      out[i] = r;
      if (!reuse) return;
      const f = faces[i] as FaceObservation;
      const id = trackKey(f.streamId, f.trackId);
      this.lastReading.delete(id); // re-insert: the map's order is then least recently measured first
      this.lastReading.set(id, r);
      if (this.lastReading.size > CROP_CACHE_TRACKS)
        this.lastReading.delete(this.lastReading.keys().next().value as string);
    });
    for (const [i, j] of from) out[i] = out[j] as CropReading;
    return out;
  }

  async close(): Promise<void> {
    this.baselines?.clear();
    this.lastReading.clear();
    await Promise.all([
      this.opts.landmarks?.close(),
      this.opts.expressions?.close(),
      this.opts.student?.close(),
    ]);
  }

  /** Forget a finished track's baseline and crop-net readings. */
  endTrack(streamId: string, trackId: number): void {
    this.baselines?.end(streamId, trackId);
    this.lastReading.delete(trackKey(streamId, trackId));
  }
}
