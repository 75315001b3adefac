/**
 * face-api's 68-point landmark net on a `CropNet` (pure, any runtime): a second, independent reading of the lips
 * for the mesh estimator. `landmarks68.ts` opens the shipped folder on onnxruntime-node; the browser builds the
 * CropNet on onnxruntime-web.
 */
import type { RgbImage } from '../../types.js';
import type { CropNet, CropNetKind } from './crop-net.js';

export const LANDMARK_COUNT = 68;
export const LANDMARKS68_KIND: CropNetKind = {
  what: 'landmark model',
  code: 'LANDMARKS',
  outputs: () => 2 * LANDMARK_COUNT,
};

/** Runs the landmark net; one run at a time (calls queue up in order). */
export class LandmarkNet {
  constructor(protected readonly net: CropNet) {}

  get dir(): string {
    return this.net.dir;
  }

  /** 68 landmarks per crop (x, y interleaved, in that crop's own pixels); any square crop size. */
  async landmarks(crops: readonly RgbImage[]): Promise<Float32Array[]> {
    const rows = await this.net.run(crops);
    // The net gives fractions of the input side.
    return rows.map((r, k) => {
      const c = crops[k] as RgbImage;
      for (let i = 0; i < LANDMARK_COUNT; i++) {
        r[2 * i] = (r[2 * i] as number) * c.width;
        r[2 * i + 1] = (r[2 * i + 1] as number) * c.height;
      }
      return r;
    });
  }

  close(): Promise<void> {
    return this.net.close();
  }
}
