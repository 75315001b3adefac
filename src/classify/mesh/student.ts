/**
 * The mesh student: a small MLP over `studentFeatures` (absolute and person-relative mesh measures, head pose,
 * expression probabilities) trained by `python3 -m training student` on a learned teacher's soft labels
 * (MediaPipe's blendshapes, mapped to AUs on hand labels; docs/au-evidence.md, "The mesh student"). It ships as
 * a folder (`model.onnx` + `model.json`); the card lists its feature names in order, which must be this
 * build's `FEATURE_NAMES`, and its AUs. Runs in one ORT call per batch, ~µs per face.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ModelError } from '../../errors.js';
import { type OpenOptions, OrtOpenError, openOrtSession, ort } from '../../runtime/index.js';
import { serialQueue } from '../../serial-queue.js';
import { AU_KEYS, type AuKey } from '../../types.js';
import { readCard, resolveModelDir } from '../bundle.js';
import { FEATURE_NAMES } from './features.js';

/** The shipped student. */
export const STUDENT_DIR = 'models/au-mesh-student';

const studentCard = z
  .object({
    name: z.string().min(1),
    version: z.string().min(1),
    kind: z.literal('mesh-student'),
    features: z.array(z.string().min(1)).min(1),
    aus: z.array(z.enum(AU_KEYS)).min(1),
  })
  .loose();

export type StudentCard = z.infer<typeof studentCard>;

const fail = (dir: string, code: string, problem: string, cause?: unknown): never => {
  throw new ModelError(`STUDENT_${code}`, `mesh student ${dir}: ${problem}`, cause ? { cause } : undefined);
};

export class MeshStudent {
  private readonly queue = serialQueue(
    () => new ModelError('STUDENT_CLOSED', `mesh student ${this.dir} is closed`),
  );
  private closing: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    readonly card: StudentCard,
    private readonly session: ort.InferenceSession,
  ) {}

  /** Opens `dirIn` (relative: from the working directory, then the package). Throws a coded ModelError. */
  static async open(dirIn: string, o: OpenOptions): Promise<MeshStudent> {
    const { dir, tried } = resolveModelDir(dirIn);
    if (!existsSync(dir)) fail(tried, 'NOT_FOUND', 'no such folder');
    for (const f of ['model.json', 'model.onnx'])
      if (!existsSync(join(dir, f))) fail(dir, 'MISSING_FILE', `missing ${f}`);
    const read = readCard(dir, studentCard);
    if ('problem' in read) return fail(dir, 'BAD_CARD', read.problem, read.cause);
    const card = read.card;
    if (card.features.join(',') !== FEATURE_NAMES.join(','))
      fail(
        dir,
        'FEATURE_MISMATCH',
        `trained on features [${card.features.join(', ')}], this build computes [${FEATURE_NAMES.join(', ')}]`,
      );
    let session: ort.InferenceSession;
    try {
      ({ session } = await openOrtSession(readFileSync(join(dir, 'model.onnx')), o));
    } catch (e) {
      if (!(e instanceof OrtOpenError)) throw e;
      return fail(dir, e.kind === 'corrupt' ? 'CORRUPT_ONNX' : 'PROVIDER_UNAVAILABLE', e.message, e);
    }
    return new MeshStudent(dir, card, session);
  }

  get aus(): readonly AuKey[] {
    return this.card.aus;
  }

  /** AU probabilities per feature row, in `aus` order; a non-finite output is a coded error, never a reading. */
  run(rows: readonly Float32Array[]): Promise<Float32Array[]> {
    return this.queue.run(async () => {
      if (rows.length === 0) return [];
      const d = FEATURE_NAMES.length;
      const x = new Float32Array(rows.length * d);
      rows.forEach((r, i) => {
        x.set(r, i * d);
      });
      const res = await this.session.run({
        [this.session.inputNames[0] as string]: new ort.Tensor('float32', x, [rows.length, d]),
      });
      const y = res[this.session.outputNames[0] as string]?.data as Float32Array | undefined;
      const k = this.aus.length;
      if (!y || y.length !== rows.length * k)
        fail(this.dir, 'SHAPE_MISMATCH', `expected ${k} outputs per face`);
      const out = rows.map((_, i) => (y as Float32Array).slice(i * k, (i + 1) * k));
      if (out.some((r) => !r.every(Number.isFinite))) fail(this.dir, 'NOT_FINITE', 'output is not finite');
      return out;
    });
  }

  close(): Promise<void> {
    this.closing ??= this.queue.close().then(() => this.session.release());
    return this.closing;
  }
}
