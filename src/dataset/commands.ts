/**
 * Entry points for the CLI's `dataset pseudo` and `dataset prepare --disfa`: they run the builder with the
 * production detector the caller opened (src/compose.ts `createDetector`, with `photoDetectConfig` for
 * photos) and closed.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../config/index.js';
import type { FaceDetector } from '../detect/index.js';
import { writeContactSheet } from './contact.js';
import { type DisfaOptions, type DisfaReport, prepareDisfa } from './disfa.js';
import { boxOf, loadYardstick, resolveImage, YARDSTICK_PATH } from './hand-labels.js';
import { buildPseudoDataset, type KnownFace, type PseudoOptions, type PseudoReport } from './pseudo.js';

/** The hand-labelled faces as `knownFaces` for `dataset pseudo` (none when the yardstick file is absent). */
export async function yardstickFaces(file = YARDSTICK_PATH): Promise<KnownFace[] | undefined> {
  const abs = resolveImage(file);
  if (!existsSync(abs)) return undefined;
  const y = await loadYardstick(abs);
  return y.faces.map((f) => ({ id: f.id, image: resolveImage(f.image), box: boxOf(f) }));
}

/**
 * Detector settings for still photos: thumbnail grids hold ~120 faces of ~80 px, so more faces, smaller
 * faces and a slightly lower score than the live defaults.
 */
export function photoDetectConfig(cfg: Config['detect']): Config['detect'] {
  return {
    ...cfg,
    maxFaces: 100,
    minFaceSize: Math.min(cfg.minFaceSize, 16),
    minScore: Math.min(cfg.minScore, 0.4),
  };
}

export async function runDatasetPseudo(
  cfg: Config['detect'],
  detector: FaceDetector,
  opts: Omit<PseudoOptions, 'detector'> & { readonly contactSheet?: string },
): Promise<PseudoReport> {
  const knownFaces = opts.knownFaces ?? (await yardstickFaces());
  const rep = await buildPseudoDataset({
    cropSize: cfg.cropSize,
    ...opts,
    ...(knownFaces ? { knownFaces } : {}),
    detector,
  });
  if (opts.contactSheet) await writeContactSheet(rep.dataset, opts.contactSheet);
  return rep;
}

export function runDatasetPrepareDisfa(
  cfg: Config['detect'],
  detector: FaceDetector,
  opts: Omit<DisfaOptions, 'detector'>,
): Promise<DisfaReport> {
  return prepareDisfa({ cropSize: cfg.cropSize, ...opts, detector });
}
