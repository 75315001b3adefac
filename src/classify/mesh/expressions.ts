/**
 * face-api's face expression net (converted to ONNX by `python3 -m training face-api-net expressions`, weights
 * unchanged) run on the aligned crops: appearance evidence for the smile AUs. Its `happy` probability reads the
 * cheeks, the nasolabial folds and the teeth that landmarks cannot; on the hand-labelled faces it ranks AU12 about
 * as well as the mesh and the two err on different faces, so the mesh estimator averages them
 * (docs/au-evidence.md, "Expression evidence").
 */

import { type CropNetOptions, TOOL_OPEN } from './crop-net.js';
import { openCropNet } from './crop-net-file.js';
import { EXPRESSIONS_KIND, ExpressionNet } from './expression-net.js';

export {
  EXPRESSION_PROTOTYPES,
  type Expressions,
  PROTOTYPE_AUS,
  prototypeEvidence,
} from './expression-net.js';

/** The shipped model folder (model.onnx + model.json). */
export const EXPRESSIONS_DIR = 'models/face-expression';

/** Runs the expression net; one ORT run at a time (calls queue up in order). */
export class FaceExpressions extends ExpressionNet {
  /**
   * Opens `dir` (relative: from the working directory, then from the package). Throws a ModelError
   * (EXPRESSIONS_NOT_FOUND, …_MISSING_FILE, …_BAD_CARD, …_CORRUPT_ONNX, …_SHAPE_MISMATCH).
   */
  static async open(dir: string, o: CropNetOptions = TOOL_OPEN): Promise<FaceExpressions> {
    return new FaceExpressions(await openCropNet(dir, EXPRESSIONS_KIND, o));
  }
}
