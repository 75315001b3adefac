import { createDetector } from '../compose.js';
import {
  type Labeller,
  photoDetectConfig,
  runDatasetPrepareDisfa,
  runDatasetPseudo,
} from '../dataset/index.js';
import { configFrom } from './common.js';

interface Common {
  readonly config?: string;
  readonly logLevel?: string;
}

export interface PseudoCommandOptions extends Common {
  readonly out: string;
  readonly seed: number;
  readonly augment: number;
  readonly warps: number;
  readonly labeller: Labeller;
  readonly contactSheet?: string;
}

/** `aupipe dataset pseudo`: every real face in the offline photos, aligned and labelled by the mesh estimator. */
export async function pseudoCommand(o: PseudoCommandOptions): Promise<number> {
  const config = configFrom(o, {});
  const t0 = performance.now();
  const detector = await createDetector(photoDetectConfig(config.detect));
  const report = await runDatasetPseudo(config.detect, detector, {
    out: o.out,
    seed: o.seed,
    augment: o.augment,
    warps: o.warps,
    labeller: o.labeller,
    ...(o.contactSheet ? { contactSheet: o.contactSheet } : {}),
    onProgress: (p) => process.stderr.write(`${p.photo}: ${p.faces} faces, ${p.samples} samples so far\n`),
  }).finally(() => detector.close());
  const { faces, subjects, samples, lostOnRedetect, unlabelled, missingPhotos } = report;
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  process.stdout.write(
    `${JSON.stringify({ out: o.out, faces, subjects, samples, lostOnRedetect, unlabelled, missingPhotos, seconds })}\n`,
  );
  return 0;
}

export interface PrepareCommandOptions extends Common {
  readonly disfa: string;
  readonly out: string;
  readonly aus: 8 | 12;
  readonly stride: number;
  readonly threshold: number;
  readonly camera: 'Left' | 'Right';
}

/** `aupipe dataset prepare --disfa`: DISFA's videos and FACS labels through the production detect + align. */
export async function prepareCommand(o: PrepareCommandOptions): Promise<number> {
  const config = configFrom(o, {});
  const t0 = performance.now();
  const detector = await createDetector(config.detect);
  const report = await runDatasetPrepareDisfa(config.detect, detector, {
    disfa: o.disfa,
    out: o.out,
    auSet: o.aus,
    stride: o.stride,
    threshold: o.threshold,
    camera: o.camera,
    onProgress: (p) => process.stderr.write(`${p.subject}: ${p.frames} frames, ${p.noFace} without a face\n`),
  }).finally(() => detector.close());
  const { subjects, frames, noFace, positives } = report;
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  process.stdout.write(`${JSON.stringify({ out: o.out, subjects, frames, noFace, positives, seconds })}\n`);
  if (noFace > 0)
    process.stderr.write(`dataset prepare: ${noFace} labelled frames had no detectable face (not written)\n`);
  return 0;
}
