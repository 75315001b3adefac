/**
 * One ONNX crop network run on the aligned crops (face-api's nets, converted by `python3 -m training
 * face-api-net`): checks the card (model.json) and the graph's shape with clear errors, normalises crops as the
 * card says and runs them in batches, one run at a time. Pure: the model comes in as an `Inference`, so the
 * browser runs the same code on onnxruntime-web; `crop-net-file.ts` opens a folder on onnxruntime-node.
 * `Landmarks68` and `FaceExpressions` wrap it.
 */
import { z } from 'zod';
import { warpAffine } from '../../detect/browser.js';
import { ModelError } from '../../errors.js';
import { type Inference, tensor } from '../../runtime/browser.js';
import type { OpenOptions } from '../../runtime/index.js';
import { serialQueue } from '../../serial-queue.js';
import { clockMs, stageTimer, timedAsync } from '../../stage-timer.js';
import type { RgbImage } from '../../types.js';
import { cardSchema, parseCard } from '../card.js';
import { type Normalizer, normalizerOf, writeCrop } from '../preprocess.js';

export interface CropNetOptions extends OpenOptions {
  /** Largest batch per ORT run; larger calls are split. */
  readonly maxBatch?: number;
}

/** What a wrapper tells the runner about its network. */
export interface CropNetKind {
  /** Words for messages: "landmark model". */
  readonly what: string;
  /** Error-code prefix: LANDMARKS → LANDMARKS_NOT_FOUND, …_MISSING_FILE, …_BAD_CARD, …_CORRUPT_ONNX. */
  readonly code: string;
  /** Values per crop the graph must output, given the (validated) card. */
  readonly outputs: (card: Readonly<Record<string, unknown>>) => number;
  /** Card schema beyond name, version and input (e.g. the expression labels). */
  readonly card?: z.ZodType<Record<string, unknown>>;
}

const baseCard = z
  .object({ name: z.string().min(1), version: z.string().min(1), input: cardSchema.shape.input })
  .loose();

/** Default open options of the offline tools (CPU, 2 threads); the pipeline passes its `classify` settings. */
export const TOOL_OPEN: CropNetOptions = { provider: 'cpu', intraOpThreads: 2 };

export class CropNet {
  private readonly norm: Normalizer;
  private readonly input: Float32Array;
  private readonly queue = serialQueue(
    () => new ModelError(`${this.kind.code}_CLOSED`, `${this.kind.what} ${this.dir} is closed`),
  );
  private closing: Promise<void> | undefined;
  /** Stage-timer name prefix: `landmarks`, `expressions`. */
  private readonly stage: string;

  private constructor(
    readonly dir: string,
    readonly card: Readonly<Record<string, unknown>>,
    /** Values per crop. */
    readonly outputs: number,
    private readonly kind: CropNetKind,
    private readonly session: Inference,
    input: z.infer<typeof cardSchema.shape.input>,
    private readonly maxBatch: number,
  ) {
    this.norm = normalizerOf(input);
    this.stage = kind.code.toLowerCase();
    this.input = new Float32Array(maxBatch * 3 * input.size * input.size);
  }

  /** Validates a parsed card against `kind` (name, version, input, and the kind's own fields). */
  static checkCard(
    rawCard: unknown,
    kind: CropNetKind,
  ): { card: Record<string, unknown> } | { problem: string } {
    return parseCard(rawCard, kind.card ? baseCard.and(kind.card) : baseCard);
  }

  /**
   * The net of `session` with its parsed card `rawCard` (`dir` names it in messages). Throws a ModelError
   * (…_BAD_CARD, …_SHAPE_MISMATCH) and closes the session when the card or the graph do not fit `kind`.
   */
  static async create(
    dir: string,
    rawCard: unknown,
    session: Inference,
    kind: CropNetKind,
    maxBatch = 16,
  ): Promise<CropNet> {
    const fail = async (code: string, problem: string): Promise<never> => {
      await session.close();
      throw new ModelError(`${kind.code}_${code}`, `${kind.what} ${dir}: ${problem}`);
    };
    const read = CropNet.checkCard(rawCard, kind);
    if ('problem' in read) return fail('BAD_CARD', read.problem);
    const card = read.card as z.infer<typeof baseCard>;
    const outputs = kind.outputs(card);
    const width = session.outputShapes[0]?.[1];
    if (session.inputNames.length !== 1 || session.outputNames.length === 0) {
      return fail('SHAPE_MISMATCH', `model.onnx must take one input and output ${outputs} values`);
    }
    if (typeof width === 'number' && width !== outputs) {
      return fail('SHAPE_MISMATCH', `model.onnx must take one input and output ${outputs} values`);
    }
    return new CropNet(dir, card, outputs, kind, session, card.input, Math.max(1, maxBatch));
  }

  /**
   * The graph's output row per crop (`kind.outputs` values). Square crops of any size: those not at the net's
   * input size are resampled bilinearly (face-api's nets were trained on resized face boxes).
   */
  run(crops: readonly RgbImage[]): Promise<Float32Array[]> {
    return this.queue.run(async () => {
      const out: Float32Array[] = [];
      for (let i = 0; i < crops.length; i += this.maxBatch)
        out.push(...(await this.runBatch(crops.slice(i, i + this.maxBatch))));
      return out;
    });
  }

  private async runBatch(crops: readonly RgbImage[]): Promise<Float32Array[]> {
    const t = stageTimer();
    const t0 = t ? clockMs() : 0;
    const n = this.norm.size;
    crops.forEach((c, slot) => {
      const rgb = c.width === n && c.height === n ? c.rgb : resample(c, n);
      writeCrop(rgb, this.norm, this.input, slot);
    });
    const b = crops.length;
    const x = tensor(this.input.subarray(0, b * 3 * n * n), [b, 3, n, n]);
    if (t) t.add(`${this.stage}.prep`, clockMs() - t0, b);
    const feeds = { [this.session.inputNames[0] as string]: x };
    const res = await (t
      ? timedAsync(`${this.stage}.ort`, b, () => this.session.run(feeds))
      : this.session.run(feeds));
    const y = res[this.session.outputNames[0] as string]!.data;
    const k = this.outputs;
    return crops.map((_, i) => y.slice(i * k, (i + 1) * k));
  }

  /** Waits for the queued runs, then releases the session; closing twice is one close. */
  close(): Promise<void> {
    this.closing ??= this.queue.close().then(() => this.session.close());
    return this.closing;
  }
}

/** Bilinear resample of a crop to n x n (pixel centres aligned). */
function resample(c: RgbImage, n: number): Uint8Array {
  const sx = c.width / n;
  const sy = c.height / n;
  return warpAffine(c, [sx, 0, (sx - 1) / 2, 0, sy, (sy - 1) / 2], n);
}
