/**
 * face-api's 68-point landmark net (converted to ONNX by `python3 -m training landmarks`, weights unchanged)
 * run on the aligned crops: a second, independent reading of the lips for the mesh estimator. The mesh's
 * inner lips fail on laughing and turned faces (docs/au-evidence.md); this net was trained on other data
 * (300-W-style annotations) and fails elsewhere, so the two readings are added.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { warpAffine } from '../../detect/align.js';
import { serialQueue } from '../../detect/serial.js';
import { ModelError } from '../../errors.js';
import { type OpenOptions, OrtOpenError, openOrtSession, ort } from '../../runtime/ort.js';
import type { RgbImage } from '../../types.js';
import { cardSchema, readCard, resolveModelDir } from '../bundle.js';
import { type Normalizer, normalizerOf, writeCrop } from '../preprocess.js';

/** The shipped model folder (model.onnx + model.json). */
export const LANDMARKS68_DIR = 'models/face-landmarks68';
export const LANDMARK_COUNT = 68;

const landmarkCardSchema = z
  .object({ name: z.string().min(1), version: z.string().min(1), input: cardSchema.shape.input })
  .loose();

export interface Landmarks68Options extends OpenOptions {
  /** Largest batch per ORT run; larger calls are split. */
  readonly maxBatch?: number;
}

const fail = (dir: string, code: string, problem: string, cause?: unknown): never => {
  throw new ModelError(
    code,
    `landmark model ${dir}: ${problem}`,
    cause === undefined ? undefined : { cause },
  );
};

/** Runs the landmark net; one ORT run at a time (calls queue up in order). */
export class Landmarks68 {
  private readonly norm: Normalizer;
  private readonly input: Float32Array;
  private readonly queue = serialQueue(
    () => new ModelError('LANDMARKS_CLOSED', `landmark model ${this.dir} is closed`),
  );
  private closing: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    private readonly outputName: string,
    input: z.infer<typeof cardSchema.shape.input>,
    private readonly maxBatch: number,
  ) {
    this.norm = normalizerOf(input);
    this.input = new Float32Array(maxBatch * 3 * input.size * input.size);
  }

  /**
   * Opens `dir` (relative: from the working directory, then from the package). Throws a ModelError. The
   * default options (CPU, 2 threads) are the offline tools'; the pipeline passes its `classify` settings.
   */
  static async open(
    dirIn: string,
    o: Landmarks68Options = { provider: 'cpu', intraOpThreads: 2 },
  ): Promise<Landmarks68> {
    const { dir, tried } = resolveModelDir(dirIn);
    if (!existsSync(dir)) fail(tried, 'LANDMARKS_NOT_FOUND', 'no such folder');
    for (const f of ['model.json', 'model.onnx'])
      if (!existsSync(join(dir, f))) fail(dir, 'LANDMARKS_MISSING_FILE', `missing ${f}`);
    const read = readCard(dir, landmarkCardSchema);
    if ('problem' in read) return fail(dir, 'LANDMARKS_BAD_CARD', read.problem, read.cause);
    const input = read.card.input;
    let session: ort.InferenceSession;
    try {
      ({ session } = await openOrtSession(readFileSync(join(dir, 'model.onnx')), {
        ...o,
        log: (m) => o.log?.(`landmarks68: ${m}`),
      }));
    } catch (e) {
      if (!(e instanceof OrtOpenError)) throw e;
      return fail(
        dir,
        e.kind === 'corrupt' ? 'LANDMARKS_CORRUPT_ONNX' : 'PROVIDER_UNAVAILABLE',
        e.message,
        e,
      );
    }
    const out = session.outputMetadata[0];
    const width = out?.isTensor ? out.shape[1] : undefined;
    if (
      session.inputMetadata.length !== 1 ||
      !out ||
      (typeof width === 'number' && width !== 2 * LANDMARK_COUNT)
    ) {
      await session.release();
      fail(
        dir,
        'LANDMARKS_SHAPE_MISMATCH',
        `model.onnx must take one input and output ${2 * LANDMARK_COUNT} values`,
      );
    }
    return new Landmarks68(
      dir,
      session,
      session.inputNames[0]!,
      session.outputNames[0]!,
      input,
      Math.max(1, o.maxBatch ?? 16),
    );
  }

  /**
   * 68 landmarks per crop (x, y interleaved, in that crop's own pixels). Square crops of any size: those not
   * at the net's input size are resampled bilinearly (the net itself was trained on resized face boxes).
   */
  landmarks(crops: readonly RgbImage[]): Promise<Float32Array[]> {
    return this.queue.run(() => this.runAll(crops));
  }

  private async runAll(crops: readonly RgbImage[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < crops.length; i += this.maxBatch)
      out.push(...(await this.runBatch(crops.slice(i, i + this.maxBatch))));
    return out;
  }

  private async runBatch(crops: readonly RgbImage[]): Promise<Float32Array[]> {
    const n = this.norm.size;
    crops.forEach((c, slot) => {
      const rgb = c.width === n && c.height === n ? c.rgb : resample(c, n);
      writeCrop(rgb, this.norm, this.input, slot);
    });
    const b = crops.length;
    const x = new ort.Tensor('float32', this.input.subarray(0, b * 3 * n * n), [b, 3, n, n]);
    const res = await this.session.run({ [this.inputName]: x });
    const y = res[this.outputName]!.data as Float32Array;
    return crops.map((c, k) => {
      const p = new Float32Array(2 * LANDMARK_COUNT);
      for (let i = 0; i < LANDMARK_COUNT; i++) {
        p[2 * i] = (y[k * 2 * LANDMARK_COUNT + 2 * i] as number) * c.width;
        p[2 * i + 1] = (y[k * 2 * LANDMARK_COUNT + 2 * i + 1] as number) * c.height;
      }
      return p;
    });
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
