/** Model cards (`model.json`), validated without I/O: the server reads them from disk, the browser over HTTP. */
import { z } from 'zod';

/**
 * The model card (`model.json`) of a bundle. Preprocessing contract, shared with the trainer:
 * `x[c] = (pixel[c] / range - mean[c]) / std[c]`, channels in `colorOrder`, laid out NCHW.
 */
export const cardSchema = z
  .object({
    name: z.string().min(1),
    version: z.string().min(1),
    backbone: z.string().min(1),
    input: z.object({
      size: z.number().int().min(8).max(1024),
      layout: z.literal('NCHW'),
      mean: z.tuple([z.number(), z.number(), z.number()]),
      std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
      colorOrder: z.enum(['RGB', 'BGR']),
      range: z.number().positive(),
    }),
    aus: z.array(z.string()).min(1),
    thresholds: z.record(z.string(), z.number().min(0).max(1)),
    alignment: z.string().min(1),
    trainingData: z.unknown().optional(),
    initialWeights: z.unknown().optional(),
    loss: z.unknown().optional(),
    metrics: z.unknown().optional(),
    /** `sigmoid` (default): the graph outputs probabilities; `logits`: the classifier applies the sigmoid. */
    output: z
      .object({ activation: z.enum(['sigmoid', 'logits']).default('sigmoid') })
      .loose()
      .optional(),
    date: z.string().optional(),
  })
  .loose();
export type ModelCard = z.infer<typeof cardSchema>;

/** Validates a parsed `model.json` against `schema`; a problem comes back as text, for the caller's error code. */
export function parseCard<S extends z.ZodType>(
  raw: unknown,
  schema: S,
): { card: z.infer<S> } | { problem: string } {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { card: parsed.data };
  const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  return { problem: `model.json is invalid: ${why}` };
}
