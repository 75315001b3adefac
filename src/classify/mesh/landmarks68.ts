/**
 * face-api's 68-point landmark net (converted to ONNX by `python3 -m training face-api-net landmarks68`, weights
 * unchanged) run on the aligned crops: a second, independent reading of the lips for the mesh estimator. The
 * mesh's inner lips fail on laughing and turned faces (docs/au-evidence.md); this net was trained on other data
 * (300-W-style annotations) and fails elsewhere, so the two readings are added. The reading itself is
 * `LandmarkNet` (pure, `landmark-net.ts`); this file opens the folder on onnxruntime-node.
 */
import type { CropNetOptions } from './crop-net.js';
import { TOOL_OPEN } from './crop-net.js';
import { openCropNet } from './crop-net-file.js';
import { LANDMARK_COUNT, LANDMARKS68_KIND, LandmarkNet } from './landmark-net.js';

export { LANDMARK_COUNT };

/** The shipped model folder (model.onnx + model.json). */
export const LANDMARKS68_DIR = 'models/face-landmarks68';

export type Landmarks68Options = CropNetOptions;

/** Runs the landmark net; one ORT run at a time (calls queue up in order). */
export class Landmarks68 extends LandmarkNet {
  /**
   * Opens `dir` (relative: from the working directory, then from the package). Throws a ModelError
   * (LANDMARKS_NOT_FOUND, …). The default options (CPU, 2 threads) are the offline tools'; the pipeline passes
   * its `classify` settings.
   */
  static async open(dir: string, o: Landmarks68Options = TOOL_OPEN): Promise<Landmarks68> {
    return new Landmarks68(await openCropNet(dir, LANDMARKS68_KIND, o));
  }
}
