/**
 * Entry points for the CLI's `dataset pseudo` and `dataset prepare --disfa`: they open the production
 * detector from the typed detect config, run the builder and close the detector.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../config/index.js';
import { createFaceDetector } from '../detect/index.js';
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
  opts: Omit<PseudoOptions, 'detector'> & { readonly contactSheet?: string },
): Promise<PseudoReport> {
  const detector = await createFaceDetector(photoDetectConfig(cfg));
  try {
    const knownFaces = opts.knownFaces ?? (await yardstickFaces());
    const rep = await buildPseudoDataset({
      cropSize: cfg.cropSize,
      ...opts,
      ...(knownFaces ? { knownFaces } : {}),
      detector,
    });
    if (opts.contactSheet) await writeContactSheet(rep.dataset, opts.contactSheet);
    return rep;
  } finally {
    await detector.close();
  }
}

export async function runDatasetPrepareDisfa(
  cfg: Config['detect'],
  opts: Omit<DisfaOptions, 'detector'>,
): Promise<DisfaReport> {
  const detector = await createFaceDetector(cfg);
  try {
    return await prepareDisfa({ cropSize: cfg.cropSize, ...opts, detector });
  } finally {
    await detector.close();
  }
}
