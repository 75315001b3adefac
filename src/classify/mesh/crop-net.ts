/**
 * One ONNX crop network run on the aligned crops (face-api's nets, converted by `python3 -m training
 * face-api-net`): opens the folder (model.json card + model.onnx) with clear errors, normalises crops as the card
 * says and runs them in batches, one ORT run at a time. `Landmarks68` and `FaceExpressions` wrap it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { warpAffine } from '../../detect/index.js';
import { ModelError } from '../../errors.js';
import { type OpenOptions, OrtOpenError, openOrtSession, ort } from '../../runtime/index.js';
import { serialQueue } from '../../serial-queue.js';
import type { RgbImage } from '../../types.js';
import { cardSchema, readCard, resolveModelDir } from '../bundle.js';
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

  private constructor(
    readonly dir: string,
    readonly card: Readonly<Record<string, unknown>>,
    /** Values per crop. */
    readonly outputs: number,
    private readonly kind: CropNetKind,
    private readonly session: ort.InferenceSession,
    input: z.infer<typeof cardSchema.shape.input>,
    private readonly maxBatch: number,
  ) {
    this.norm = normalizerOf(input);
    this.input = new Float32Array(maxBatch * 3 * input.size * input.size);
  }

  /** Opens `dirIn` (relative: from the working directory, then from the package). Throws a ModelError. */
  static async open(dirIn: string, kind: CropNetKind, o: CropNetOptions = TOOL_OPEN): Promise<CropNet> {
    const fail = (dir: string, code: string, problem: string, cause?: unknown): never => {
      throw new ModelError(
        `${kind.code}_${code}`,
        `${kind.what} ${dir}: ${problem}`,
        cause === undefined ? undefined : { cause },
      );
    };
    const { dir, tried } = resolveModelDir(dirIn);
    if (!existsSync(dir)) fail(tried, 'NOT_FOUND', 'no such folder');
    for (const f of ['model.json', 'model.onnx'])
      if (!existsSync(join(dir, f))) fail(dir, 'MISSING_FILE', `missing ${f}`);
    const read = readCard(dir, kind.card ? baseCard.and(kind.card) : baseCard);
    if ('problem' in read) return fail(dir, 'BAD_CARD', read.problem, read.cause);
    const card = read.card as z.infer<typeof baseCard>;
    let session: ort.InferenceSession;
    try {
      ({ session } = await openOrtSession(readFileSync(join(dir, 'model.onnx')), {
        ...o,
        log: (m) => o.log?.(`${card.name}: ${m}`),
      }));
    } catch (e) {
      if (!(e instanceof OrtOpenError)) throw e;
      return fail(dir, e.kind === 'corrupt' ? 'CORRUPT_ONNX' : 'PROVIDER_UNAVAILABLE', e.message, e);
    }
    const outputs = kind.outputs(card);
    const out = session.outputMetadata[0];
    const width = out?.isTensor ? out.shape[1] : undefined;
    if (session.inputMetadata.length !== 1 || !out || (typeof width === 'number' && width !== outputs)) {
      await session.release();
      fail(dir, 'SHAPE_MISMATCH', `model.onnx must take one input and output ${outputs} values`);
    }
    return new CropNet(dir, card, outputs, kind, session, card.input, Math.max(1, o.maxBatch ?? 16));
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
    const n = this.norm.size;
    crops.forEach((c, slot) => {
      const rgb = c.width === n && c.height === n ? c.rgb : resample(c, n);
      writeCrop(rgb, this.norm, this.input, slot);
    });
    const b = crops.length;
    const x = new ort.Tensor('float32', this.input.subarray(0, b * 3 * n * n), [b, 3, n, n]);
    const res = await this.session.run({ [this.session.inputNames[0] as string]: x });
    const y = res[this.session.outputNames[0] as string]!.data as Float32Array;
    const k = this.outputs;
    return crops.map((_, i) => y.slice(i * k, (i + 1) * k));
  }

  /** Waits for the queued runs, then releases the session; closing twice is one close. */
  close(): Promise<void> {
    this.closing ??= this.queue.close().then(() => this.session.release());
    return this.closing;
  }
}

/** Bilinear resample of a crop to n x n (pixel centres aligned). */
function resample(c: RgbImage, n: number): Uint8Array {
  const sx = c.width / n;
  const sy = c.height / n;
  return warpAffine(c, [sx, 0, (sx - 1) / 2, 0, sy, (sy - 1) / 2], n);
}
