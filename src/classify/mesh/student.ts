/**
 * The mesh student: a small MLP over `studentFeatures` (absolute and person-relative mesh measures, head pose,
 * expression probabilities) trained by `python3 -m training student` on a learned teacher's soft labels
 * (MediaPipe's blendshapes, mapped to AUs on hand labels; docs/au-evidence.md, "The mesh student"). It ships as
 * a folder (`model.onnx` + `model.json`); the card lists its feature names in order, which must be this
 * build's `FEATURE_NAMES`, and its AUs. Runs in one ORT call per batch, ~µs per face.
 */
import type { OpenOptions } from '../../runtime/index.js';
import { openModelFolder } from './model-folder.js';
import { checkStudentCard, studentFail as fail, StudentNet } from './student-net.js';

export { type StudentCard, studentCard } from './student-net.js';

/** The shipped student. */
export const STUDENT_DIR = 'models/au-mesh-student';

export class MeshStudent extends StudentNet {
  /** Opens `dirIn` (relative: from the working directory, then the package). Throws a coded ModelError. */
  static async open(dirIn: string, o: OpenOptions): Promise<MeshStudent> {
    const { dir, card, inference } = await openModelFolder(dirIn, fail, checkStudentCard, o);
    return new MeshStudent(dir, card, inference);
  }
}
