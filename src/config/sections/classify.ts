import { z } from 'zod';
import { AU_KEYS } from '../../types.js';
import { ortProviderSchema } from './provider.js';

export const classifySchema = z
  .object({
    estimator: z
      .enum(['mesh', 'cnn', 'fusion'])
      .default('mesh')
      .describe(
        'AU estimator: mesh geometry (with the lip model; the default, the fastest), the CNN model bundle, or a weighted fusion of both (the most accurate out of fold on the hand-labelled faces, at the CNN\'s cost: README "AU estimators").',
      ),
    model: z.string().default('models/au-mobilenet').describe('Path of the CNN model bundle folder.'),
    lipModel: z
      .string()
      .default('models/face-landmarks68')
      .describe(
        "Folder of the 68-point landmark model whose lip gap on the aligned crop the mesh estimator adds to AU25 (face-api's net in ONNX); empty: off.",
      ),
    expressionModel: z
      .string()
      .default('models/face-expression')
      .describe(
        "Folder of the expression model whose 'happy' on the aligned crop the mesh estimator averages into AU6 and AU12 (face-api's expression net in ONNX); empty: off.",
      ),
    studentModel: z
      .string()
      .default('')
      .describe(
        'Folder of the mesh student (a linear head over the mesh measures, landmark positions, head pose and expression probabilities, trained on a learned teacher and hand labels; models/au-mesh-student, opt-in: it does not beat the geometry out of sample, docs/au-evidence.md) mixed into the mesh estimator; empty: off.',
      ),
    studentWeight: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe(
        "Scale of the mesh student's per-AU weights (its card's fusionWeights) against the geometric reading, in log-odds (1: the card's weights, 0: geometry alone).",
      ),
    provider: ortProviderSchema
      .default('cpu')
      .describe('ONNX Runtime execution provider; auto takes the first that loads.'),
    intraOpThreads: z
      .number()
      .int()
      .min(0)
      .max(256)
      .default(1)
      .describe(
        'ORT intra-op threads of the AU models (CNN, lip and expression nets; 0: ORT default). 1: on these small nets a second thread costs more in hand-off than it saves at the batch sizes a stream gives, and the detector and ffmpeg need the other cores (docs/au-evidence.md, "Expression evidence").',
      ),
    maxBatch: z.number().int().min(1).max(256).default(16).describe('Largest inference batch.'),
    maxWaitMs: z.number().min(0).max(1000).default(8).describe('Longest wait to fill a batch.'),
    maxPendingPerStream: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(64)
      .describe('Pending faces per stream before the oldest are dropped.'),
    cropModelsOnDetections: z
      .boolean()
      .default(true)
      .describe(
        "Run the lip and expression models only on frames where the detector ran (every detect.every-th frame) and reuse each track's last readings in between: a third of their cost at every=3, a mouth or smile change seen up to every-1 frames late; false: every frame.",
      ),
    fusionAus: z
      .string()
      .default('AU12,AU25')
      .refine(
        (v) => v === 'all' || v.split(',').every((a) => (AU_KEYS as readonly string[]).includes(a.trim())),
        { message: `expected "all" or a comma list of ${AU_KEYS.join(', ')}` },
      )
      .describe(
        'AUs where fusion mixes the CNN in: those where the shipped CNN is validated on hand labels and ranks them no worse than the mesh by more than 0.05 AUC out of fold (not AU26: 0.62 against 1.00; not AU6 since the mesh reads the expression net: 0.74 against 0.96); the others take the mesh value ("all": every AU).',
      ),
    fusionWeight: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe('Weight of the CNN in fusion (mesh gets 1 - w).'),
    baseline: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            "Person-specific normalisation of the mesh estimator on streams: each track's running median is that person's neutral for the brow, lid and lip-corner AUs (AU1 2 4 5 9 15 17 20), so the shape of a person's own brows stops reading as an AU (docs/au-evidence.md, \"Per-person baseline\"). Stills (analyze, eval) are always read against the canonical face.",
          ),
        windowMs: z
          .number()
          .min(1000)
          .max(600_000)
          .default(60_000)
          .describe("Span of a track's recent frames whose median is its neutral (ms of stream time)."),
        warmupMs: z
          .number()
          .min(0)
          .max(120_000)
          .default(4000)
          .describe(
            'Stream time after a track starts over which its own neutral is blended in (before: the canonical face); 0 trusts the first frame.',
          ),
        gapMs: z
          .number()
          .min(0)
          .max(60_000)
          .default(3000)
          .describe(
            'A track that ends keeps its baseline this long: a new track starting where it was (box overlap >= 0.3) takes it over.',
          ),
        sampleEveryMs: z
          .number()
          .min(0)
          .max(10_000)
          .default(200)
          .describe('At most one frame per this many ms enters the window (300 samples per track at 60 s).'),
      })
      .strict()
      .prefault({}),
  })
  .strict();
