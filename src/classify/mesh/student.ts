/**
 * The mesh student: a small MLP over `studentFeatures` (absolute and person-relative mesh measures, head pose,
 * expression probabilities) trained by `python3 -m training student` on a learned teacher's soft labels
 * (MediaPipe's blendshapes, mapped to AUs on hand labels; docs/au-evidence.md, "The mesh student"). It ships as
 * a folder (`model.onnx` + `model.json`); the card lists its feature names in order, which must be this
 * build's `FEATURE_NAMES`, and its AUs. Runs in one ORT call per batch, ~µs per face.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OpenOptions, OrtOpenError, openOrtInference } from '../../runtime/index.js';
import { resolveModelDir } from '../bundle.js';
import { checkStudentCard, studentFail as fail, StudentNet } from './student-net.js';

export { type StudentCard, studentCard } from './student-net.js';

/** The shipped student. */
export const STUDENT_DIR = 'models/au-mesh-student';

export class MeshStudent extends StudentNet {
  /** Opens `dirIn` (relative: from the working directory, then the package). Throws a coded ModelError. */
  static async open(dirIn: string, o: OpenOptions): Promise<MeshStudent> {
    const { dir, tried } = resolveModelDir(dirIn);
    if (!existsSync(dir)) fail(tried, 'NOT_FOUND', 'no such folder');
    for (const f of ['model.json', 'model.onnx'])
      if (!existsSync(join(dir, f))) fail(dir, 'MISSING_FILE', `missing ${f}`);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    } catch (e) {
      return fail(dir, 'BAD_CARD', `model.json is not valid JSON (${(e as Error).message})`, e);
    }
    const card = checkStudentCard(dir, raw);
    let inference: Awaited<ReturnType<typeof openOrtInference>>['inference'];
    try {
      ({ inference } = await openOrtInference(readFileSync(join(dir, 'model.onnx')), o));
    } catch (e) {
      if (!(e instanceof OrtOpenError)) throw e;
      return fail(dir, e.kind === 'corrupt' ? 'CORRUPT_ONNX' : 'PROVIDER_UNAVAILABLE', e.message, e);
    }
    return new MeshStudent(dir, card, inference);
  }
}
