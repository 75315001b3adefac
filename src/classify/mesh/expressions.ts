/**
 * face-api's face expression net (converted to ONNX by `python3 -m training face-api-net expressions`, weights
 * unchanged) run on the aligned crops: appearance evidence for the smile AUs. Its `happy` probability reads the
 * cheeks, the nasolabial folds and the teeth that landmarks cannot; on the hand-labelled faces it ranks AU12 about
 * as well as the mesh and the two err on different faces, so the mesh estimator averages them
 * (docs/au-evidence.md, "Expression evidence").
 */
import { z } from 'zod';
import type { AuKey, RgbImage } from '../../types.js';
import { CropNet, type CropNetOptions, TOOL_OPEN } from './crop-net.js';

/** The shipped model folder (model.onnx + model.json). */
export const EXPRESSIONS_DIR = 'models/face-expression';

/** Expression name → probability (face-api's 7 classes, summing to 1). */
export type Expressions = Readonly<Record<string, number>>;

const expressionCard = z
  .object({
    output: z
      .object({ labels: z.array(z.string().min(1)).min(2) })
      .loose()
      .refine((o) => o.labels.includes('happy'), { message: 'output.labels must include "happy"' }),
  })
  .loose();

const labelsOf = (card: Readonly<Record<string, unknown>>): string[] =>
  (card as z.infer<typeof expressionCard>).output.labels;

/** Runs the expression net; one ORT run at a time (calls queue up in order). */
export class FaceExpressions {
  private constructor(
    private readonly net: CropNet,
    readonly labels: readonly string[],
  ) {}

  get dir(): string {
    return this.net.dir;
  }

  /**
   * Opens `dir` (relative: from the working directory, then from the package). Throws a ModelError
   * (EXPRESSIONS_NOT_FOUND, …_MISSING_FILE, …_BAD_CARD, …_CORRUPT_ONNX, …_SHAPE_MISMATCH).
   */
  static async open(dir: string, o: CropNetOptions = TOOL_OPEN): Promise<FaceExpressions> {
    const net = await CropNet.open(
      dir,
      {
        what: 'expression model',
        code: 'EXPRESSIONS',
        card: expressionCard,
        outputs: (c) => labelsOf(c).length,
      },
      o,
    );
    return new FaceExpressions(net, labelsOf(net.card));
  }

  /** Expression probabilities per crop; any square crop size. */
  async expressions(crops: readonly RgbImage[]): Promise<Expressions[]> {
    const rows = await this.net.run(crops);
    return rows.map((r) => Object.fromEntries(this.labels.map((l, i) => [l, r[i] as number])));
  }

  close(): Promise<void> {
    return this.net.close();
  }
}

/**
 * Which AUs each of the net's expressions is evidence for: its EMFACS prototype (DESIGN.md, config/emotions.yaml)
 * restricted to the AUs the mesh reads from brows, lids and lip corners. AU25 and AU26 stay the lip gap's and the
 * crop's (a physical measure the nets would only blur); `happy` keeps its own mix (`EXPRESSION_AUS`). Not fitted:
 * checked on the labelled video seconds and the hand-labelled stills (docs/au-evidence.md, "Expression evidence").
 */
export const EXPRESSION_PROTOTYPES: Readonly<Record<string, readonly AuKey[]>> = {
  surprised: ['AU1', 'AU2', 'AU5'],
  sad: ['AU1', 'AU4', 'AU15'],
  fearful: ['AU1', 'AU2', 'AU4', 'AU5', 'AU20'],
  angry: ['AU4', 'AU5'],
  disgusted: ['AU9', 'AU15'],
};

/** AUs that get expression evidence from `EXPRESSION_PROTOTYPES`. */
export const PROTOTYPE_AUS: readonly AuKey[] = [...new Set(Object.values(EXPRESSION_PROTOTYPES).flat())];

/**
 * Per AU, the probability that the face shows an expression whose prototype has that AU: the sum of those
 * expressions' probabilities (the classes are exclusive, so the sum is a probability). An AU gets evidence only
 * when the reading names at least one of its expressions with a finite probability (a net with other classes, or
 * a NaN, moves nothing). Pure.
 */
export function prototypeEvidence(e: Expressions): Partial<Record<AuKey, number>> {
  const out: Partial<Record<AuKey, number>> = {};
  for (const [name, aus] of Object.entries(EXPRESSION_PROTOTYPES)) {
    const p = e[name];
    if (p === undefined || !Number.isFinite(p)) continue;
    for (const au of aus) out[au] = Math.min(1, Math.max(0, (out[au] ?? 0) + p));
  }
  return out;
}
