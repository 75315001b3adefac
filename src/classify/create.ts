import type { Config } from '../config/index.js';
import { AupipeError, ModelError } from '../errors.js';
import type { AuVector, FaceObservation } from '../types.js';
import { CnnEstimator } from './cnn.js';
import type { AuEstimator, CropSpec } from './estimator.js';
import { FusionEstimator, fusionAusOf } from './fusion.js';

export interface CreateEstimatorOptions {
  /** The detect stage's crops; a bundle whose input size or alignment differs is refused at start. */
  readonly crop?: CropSpec;
  readonly log?: (msg: string) => void;
  /** Alignment template ids to accept (default: `config/alignment/*.json`). */
  readonly knownTemplates?: readonly string[];
  /**
   * Stills (analyze, eval): every face is read against the canonical neutral, never a per-track baseline
   * (`classify.baseline` applies to streams only).
   */
  readonly stills?: boolean;
  /** Builds the mesh-geometry estimator (default: `src/classify/mesh` with `classify.lipModel`). */
  readonly mesh?: () => Promise<AuEstimator>;
  /** Sees each face's mesh-student features and AUs (dataset tools); mesh estimator only. */
  readonly onFeatures?: (face: FaceObservation, features: Float32Array, aus: AuVector) => void;
}

/**
 * The mesh estimator, reading the lips with the 68-point landmark model unless `lipModel` is empty and the smile
 * with the expression model unless `expressionModel` is empty.
 */
async function defaultMesh(cfg: Config['classify'], o: CreateEstimatorOptions): Promise<AuEstimator> {
  const { FaceExpressions, Landmarks68, MeshEstimator, MeshStudent } = await import('./mesh/index.js');
  const ortOpts = {
    provider: cfg.provider,
    intraOpThreads: cfg.intraOpThreads,
    maxBatch: cfg.maxBatch,
    ...(o.log ? { log: o.log } : {}),
  };
  const landmarks = cfg.lipModel ? await Landmarks68.open(cfg.lipModel, ortOpts) : undefined;
  let expressions: Awaited<ReturnType<typeof FaceExpressions.open>> | undefined;
  try {
    expressions = cfg.expressionModel ? await FaceExpressions.open(cfg.expressionModel, ortOpts) : undefined;
    const student = cfg.studentModel ? await MeshStudent.open(cfg.studentModel, ortOpts) : undefined;
    return new MeshEstimator({
      ...(landmarks ? { landmarks } : {}),
      ...(expressions ? { expressions } : {}),
      ...(student ? { student, studentWeight: cfg.studentWeight } : {}),
      ...(o.onFeatures ? { onFeatures: o.onFeatures } : {}),
      cropNetsOnDetections: cfg.cropModelsOnDetections,
      ...(cfg.baseline.enabled && !o.stills ? { baseline: cfg.baseline } : {}),
    });
  } catch (e) {
    await landmarks?.close();
    await expressions?.close();
    throw e;
  }
}

async function openCnn(cfg: Config['classify'], o: CreateEstimatorOptions): Promise<CnnEstimator> {
  const cnn = await CnnEstimator.open(cfg.model, {
    provider: cfg.provider,
    intraOpThreads: cfg.intraOpThreads,
    maxBatch: cfg.maxBatch,
    ...(o.log ? { log: o.log } : {}),
    ...(o.knownTemplates ? { knownTemplates: o.knownTemplates } : {}),
  });
  const input = cnn.bundle.card.input.size;
  const problem =
    o.crop && o.crop.size !== input
      ? `takes ${input}x${input} crops but detect.cropSize is ${o.crop.size}: set detect.cropSize to ${input}`
      : o.crop?.templateId && o.crop.templateId !== cnn.bundle.card.alignment
        ? `was trained on alignment "${cnn.bundle.card.alignment}" but detect aligns with "${o.crop.templateId}"`
        : undefined;
  if (problem) {
    await cnn.close();
    throw new ModelError('CROP_MISMATCH', `model bundle ${cnn.bundle.dir}: ${problem}`);
  }
  return cnn;
}

/** " with lip model X and expression model Y", as configured. */
function meshModels(cfg: Config['classify']): string {
  const parts = [
    cfg.lipModel ? `lip model ${cfg.lipModel}` : '',
    cfg.expressionModel ? `expression model ${cfg.expressionModel}` : '',
    cfg.studentModel ? `student ${cfg.studentModel}` : '',
  ].filter(Boolean);
  return parts.length ? ` with ${parts.join(' and ')}` : '';
}

/**
 * Builds the configured estimator, or throws a ModelError that names the estimator and the bundle
 * path it tried: the service refuses to start without a valid estimator.
 */
export async function createEstimator(
  cfg: Config['classify'],
  o: CreateEstimatorOptions = {},
): Promise<AuEstimator> {
  const mesh = o.mesh ?? (() => defaultMesh(cfg, o));
  try {
    if (cfg.estimator === 'mesh') return await mesh();
    const cnn = await openCnn(cfg, o);
    if (cfg.estimator === 'cnn') return cnn;
    try {
      return new FusionEstimator(cnn, await mesh(), cfg.fusionWeight, fusionAusOf(cfg.fusionAus));
    } catch (e) {
      await cnn.close();
      throw e;
    }
  } catch (e) {
    const tried =
      cfg.estimator === 'mesh'
        ? `the mesh-geometry estimator${meshModels(cfg)}`
        : `model bundle ${cfg.model}`;
    const msg = `cannot start AU estimator "${cfg.estimator}" (tried ${tried}): ${(e as Error).message}`;
    throw new ModelError(e instanceof AupipeError ? e.code : 'ESTIMATOR_UNAVAILABLE', msg, { cause: e });
  }
}
