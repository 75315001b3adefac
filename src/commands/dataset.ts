import { buildPseudoDataset } from '../dataset/pseudo.js';
import { createFaceDetector } from '../detect/index.js';
import { configFrom } from './common.js';

export interface PseudoCommandOptions {
  readonly out: string;
  readonly seed: number;
  readonly augment: number;
  readonly config?: string;
  readonly logLevel?: string;
}

/** `aupipe dataset pseudo`: every real face in the offline photos, aligned and labelled by the mesh estimator. */
export async function pseudoCommand(o: PseudoCommandOptions): Promise<number> {
  const config = configFrom(o, {});
  const detector = await createFaceDetector(config.detect);
  try {
    const t0 = performance.now();
    const report = await buildPseudoDataset({
      out: o.out,
      seed: o.seed,
      augment: o.augment,
      detector,
      cropSize: config.detect.cropSize,
      createdWith: `aupipe dataset pseudo --seed ${o.seed} --augment ${o.augment}`,
      onProgress: (p) => process.stderr.write(`${p.photo}: ${p.faces} faces, ${p.samples} samples so far\n`),
    });
    const seconds = (performance.now() - t0) / 1000;
    const { faces, subjects, samples, lostOnRedetect, unlabelled, missingPhotos } = report;
    const summary = {
      out: o.out,
      faces,
      subjects,
      samples,
      lostOnRedetect,
      unlabelled,
      missingPhotos,
      seconds,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } finally {
    await detector.close();
  }
}
