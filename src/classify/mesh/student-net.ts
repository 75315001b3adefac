/**
 * The mesh student: a small MLP over `studentFeatures` (absolute and person-relative mesh measures, head pose,
 * expression probabilities) trained by `python3 -m training student` on a learned teacher's soft labels
 * (MediaPipe's blendshapes, mapped to AUs on hand labels; docs/au-evidence.md, "The mesh student"). It ships as
 * a folder (`model.onnx` + `model.json`); the card lists its feature names in order, which must be this
 * build's `FEATURE_NAMES`, and its AUs. Runs in one ORT call per batch, ~µs per face.
 *
 * Pure (`StudentNet`, over the inference interface): the browser runs it on onnxruntime-web; `student.ts` opens the
 * folder on onnxruntime-node (`MeshStudent.open`).
 */
import { z } from 'zod';
import { ModelError } from '../../errors.js';
import { type Inference, tensor } from '../../runtime/browser.js';
import { serialQueue } from '../../serial-queue.js';
import { AU_KEYS, type AuKey } from '../../types.js';
import { parseCard } from '../card.js';
import { FEATURE_NAMES } from './features.js';

export const studentCard = z
  .object({
    name: z.string().min(1),
    version: z.string().min(1),
    kind: z.literal('mesh-student'),
    features: z.array(z.string().min(1)).min(1),
    aus: z.array(z.enum(AU_KEYS)).min(1),
    /** Per-AU weight of the student against the geometry, in log-odds (absent: 1 for every AU). */
    fusionWeights: z.partialRecord(z.enum(AU_KEYS), z.number().min(0).max(1)).optional(),
  })
  .loose();

export type StudentCard = z.infer<typeof studentCard>;

export const studentFail = (dir: string, code: string, problem: string, cause?: unknown): never => {
  throw new ModelError(`STUDENT_${code}`, `mesh student ${dir}: ${problem}`, cause ? { cause } : undefined);
};

/** Why a parsed card cannot drive this build's student (a bad card, other features), or the card. */
export function checkStudentCard(dir: string, raw: unknown): StudentCard {
  const read = parseCard(raw, studentCard);
  if ('problem' in read) return studentFail(dir, 'BAD_CARD', read.problem);
  const card = read.card;
  if (card.features.join(',') !== FEATURE_NAMES.join(','))
    studentFail(
      dir,
      'FEATURE_MISMATCH',
      `trained on features [${card.features.join(', ')}], this build computes [${FEATURE_NAMES.join(', ')}]`,
    );
  return card;
}

export class StudentNet {
  private readonly queue = serialQueue(
    () => new ModelError('STUDENT_CLOSED', `mesh student ${this.dir} is closed`),
  );
  private closing: Promise<void> | undefined;

  protected constructor(
    readonly dir: string,
    readonly card: StudentCard,
    private readonly session: Inference,
  ) {}

  /** The student of `session` with its parsed card; a card that does not fit closes the session and throws. */
  static async create(dir: string, rawCard: unknown, session: Inference): Promise<StudentNet> {
    try {
      return new StudentNet(dir, checkStudentCard(dir, rawCard), session);
    } catch (e) {
      await session.close();
      throw e;
    }
  }

  get aus(): readonly AuKey[] {
    return this.card.aus;
  }

  /** The card's log-odds weight of this student for `au` (1 where the card gives none). */
  fusionWeight(au: AuKey): number {
    return this.card.fusionWeights?.[au] ?? 1;
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
        [this.session.inputNames[0] as string]: tensor(x, [rows.length, d]),
      });
      const y = res[this.session.outputNames[0] as string]?.data;
      const k = this.aus.length;
      if (!y || y.length !== rows.length * k)
        studentFail(this.dir, 'SHAPE_MISMATCH', `expected ${k} outputs per face`);
      const out = rows.map((_, i) => (y as Float32Array).slice(i * k, (i + 1) * k));
      if (out.some((r) => !r.every(Number.isFinite)))
        studentFail(this.dir, 'NOT_FINITE', 'output is not finite');
      return out;
    });
  }

  close(): Promise<void> {
    this.closing ??= this.queue.close().then(() => this.session.close());
    return this.closing;
  }
}
