import { AU_KEYS, type AuKey, type AuVector, type FaceObservation } from '../types.js';
import type { AuEstimator } from './estimator.js';

/**
 * Weighted mean of the CNN and the mesh estimator: `p = w * cnn + (1 - w) * mesh` per AU, with
 * `w = classify.fusionWeight`. An AU only one side measures takes that side's value alone, so a CNN
 * trained on the 8 DISFA benchmark AUs does not halve the mesh's other four. Both run concurrently.
 */
export function fuse(
  cnn: AuVector,
  mesh: AuVector,
  w: number,
  cnnAus: ReadonlySet<AuKey>,
  meshAus: ReadonlySet<AuKey>,
) {
  const v = {} as Record<AuKey, number>;
  for (const k of AU_KEYS) {
    const hasC = cnnAus.has(k);
    const hasM = meshAus.has(k);
    v[k] = hasC && hasM ? w * cnn[k] + (1 - w) * mesh[k] : hasC ? cnn[k] : hasM ? mesh[k] : 0;
  }
  return v as AuVector;
}

export class FusionEstimator implements AuEstimator {
  readonly name: string;
  readonly aus: readonly AuKey[];
  readonly alignment: string | undefined;
  private readonly cAus: ReadonlySet<AuKey>;
  private readonly mAus: ReadonlySet<AuKey>;

  constructor(
    private readonly cnn: AuEstimator,
    private readonly mesh: AuEstimator,
    private readonly weight: number,
  ) {
    this.alignment = cnn.alignment;
    this.name = `fusion(${cnn.name}*${weight}+${mesh.name})`;
    this.cAus = new Set(cnn.aus ?? AU_KEYS);
    this.mAus = new Set(mesh.aus ?? AU_KEYS);
    this.aus = AU_KEYS.filter((k) => this.cAus.has(k) || this.mAus.has(k));
  }

  async estimate(faces: readonly FaceObservation[]): Promise<AuVector[]> {
    const [c, m] = await Promise.all([this.cnn.estimate(faces), this.mesh.estimate(faces)]);
    return c.map((v, i) => fuse(v, m[i]!, this.weight, this.cAus, this.mAus));
  }

  async close(): Promise<void> {
    await Promise.all([this.cnn.close(), this.mesh.close()]);
  }
}
