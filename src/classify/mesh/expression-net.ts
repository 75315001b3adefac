/**
 * face-api's face expression net on a `CropNet` (pure, any runtime), and what its classes are evidence for.
 * `expressions.ts` opens the shipped folder on onnxruntime-node; the browser builds the CropNet on
 * onnxruntime-web.
 */
import { z } from 'zod';
import type { AuKey, RgbImage } from '../../types.js';
import type { CropNet, CropNetKind } from './crop-net.js';

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

export const EXPRESSIONS_KIND: CropNetKind = {
  what: 'expression model',
  code: 'EXPRESSIONS',
  card: expressionCard,
  outputs: (c) => labelsOf(c).length,
};

/** Runs the expression net; one run at a time (calls queue up in order). */
export class ExpressionNet {
  readonly labels: readonly string[];
  constructor(protected readonly net: CropNet) {
    this.labels = labelsOf(net.card);
  }

  get dir(): string {
    return this.net.dir;
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
  sad: ['AU1', 'AU4', 'AU15', 'AU17'],
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
