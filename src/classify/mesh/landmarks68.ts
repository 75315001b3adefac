/**
 * face-api's 68-point landmark net (converted to ONNX by `python3 -m training face-api-net landmarks68`, weights
 * unchanged) run on the aligned crops: a second, independent reading of the lips for the mesh estimator. The
 * mesh's inner lips fail on laughing and turned faces (docs/au-evidence.md); this net was trained on other data
 * (300-W-style annotations) and fails elsewhere, so the two readings are added.
 */
import type { RgbImage } from '../../types.js';
import { CropNet, type CropNetOptions, TOOL_OPEN } from './crop-net.js';

/** The shipped model folder (model.onnx + model.json). */
export const LANDMARKS68_DIR = 'models/face-landmarks68';
export const LANDMARK_COUNT = 68;

export type Landmarks68Options = CropNetOptions;

/** Runs the landmark net; one ORT run at a time (calls queue up in order). */
export class Landmarks68 {
  private constructor(private readonly net: CropNet) {}

  get dir(): string {
    return this.net.dir;
  }

  /**
   * Opens `dir` (relative: from the working directory, then from the package). Throws a ModelError
   * (LANDMARKS_NOT_FOUND, …). The default options (CPU, 2 threads) are the offline tools'; the pipeline passes
   * its `classify` settings.
   */
  static async open(dir: string, o: Landmarks68Options = TOOL_OPEN): Promise<Landmarks68> {
    const what = { what: 'landmark model', code: 'LANDMARKS', outputs: () => 2 * LANDMARK_COUNT };
    return new Landmarks68(await CropNet.open(dir, what, o));
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
