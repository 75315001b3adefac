import * as ort from 'onnxruntime-node';
import { ModelError } from '../errors.js';
import { AU_KEYS, type AuKey, type AuVector, type FaceObservation } from '../types.js';
import { type LoadBundleOptions, loadBundle, type ModelBundle } from './bundle.js';
import type { AuEstimator } from './estimator.js';
import { type OpenedSession, openSession, type Provider } from './ort.js';
import { type Normalizer, normalizerOf, writeCrop } from './preprocess.js';
import { selfTest } from './selftest.js';

export interface CnnOptions extends LoadBundleOptions {
  readonly provider: Provider;
  readonly intraOpThreads: number;
  /** Largest batch the caller sends at once; input tensors for it are allocated once, up front. */
  readonly maxBatch: number;
  readonly log?: (msg: string) => void;
}

/** The CNN from a model bundle on ONNX Runtime. One inference at a time (calls queue up in order). */
export class CnnEstimator implements AuEstimator {
  readonly name: string;
  readonly aus: readonly AuKey[];
  readonly thresholds: Readonly<Partial<Record<AuKey, number>>>;
  readonly provider: string;
  readonly alignment: string;
  private readonly input: Float32Array;
  private readonly norm: Normalizer;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly bundle: ModelBundle,
    private readonly s: OpenedSession,
    private readonly maxBatch: number,
  ) {
    this.name = `${bundle.card.name}@${bundle.card.version}`;
    this.aus = bundle.aus;
    this.thresholds = bundle.thresholds;
    this.provider = s.provider;
    this.alignment = bundle.card.alignment;
    this.norm = normalizerOf(bundle.card.input);
    this.input = new Float32Array(maxBatch * 3 * this.norm.size * this.norm.size);
  }

  /** The ONNX Runtime session (for benchmarks that compare the stage with bare `run` calls). */
  get session(): OpenedSession['session'] {
    return this.s.session;
  }

  /** Opens the bundle and runs its self-test (`selftest.ts`): a bundle that fails it is closed and refused. */
  static async open(dir: string, o: CnnOptions): Promise<CnnEstimator> {
    const bundle = loadBundle(dir, o);
    const s = await openSession(bundle, o);
    const est = new CnnEstimator(bundle, s, Math.max(1, o.maxBatch));
    try {
      const r = await selfTest(bundle.dir, est.norm.size, bundle.card.alignment, (f) => est.estimate(f));
      o.log?.(
        `model ${est.name}: self-test passed on ${r.crops} crop(s), max |diff| ${r.maxDiff.toExponential(1)}`,
      );
    } catch (e) {
      await est.close();
      throw e;
    }
    return est;
  }

  estimate(faces: readonly FaceObservation[]): Promise<AuVector[]> {
    const run = this.chain.then(() => this.runAll(faces));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async runAll(faces: readonly FaceObservation[]): Promise<AuVector[]> {
    const out: AuVector[] = [];
    for (let i = 0; i < faces.length; i += this.maxBatch) {
      out.push(...(await this.runBatch(faces.slice(i, i + this.maxBatch))));
    }
    return out;
  }

  private async runBatch(faces: readonly FaceObservation[]): Promise<AuVector[]> {
    const n = this.norm.size;
    faces.forEach((f, slot) => {
      const c = f.crop;
      if (c.width !== n || c.height !== n || c.rgb.length < n * n * 3) {
        throw new ModelError(
          'CROP_SIZE_MISMATCH',
          `model ${this.name} needs ${n}x${n} crops but got ${c.width}x${c.height}: set detect.cropSize to ${n}`,
        );
      }
      writeCrop(c.rgb, this.norm, this.input, slot);
    });
    const b = faces.length;
    // subarray from 0 shares the preallocated buffer: no copy, no allocation of pixel data per batch.
    const tensor = new ort.Tensor('float32', this.input.subarray(0, b * 3 * n * n), [b, 3, n, n]);
    const res = await this.s.session.run({ [this.s.inputName]: tensor });
    const probs = res[this.s.outputName]?.data as Float32Array | undefined;
    const width = this.bundle.aus.length;
    if (!probs || probs.length !== b * width) {
      throw new ModelError('MODEL_OUTPUT', `model ${this.name}: expected ${b}x${width} outputs`);
    }
    return toVectors(probs, b, width, this.bundle.outputIndex, this.bundle.logits);
  }

  async close(): Promise<void> {
    await this.chain;
    await this.s.session.release();
  }
}

/**
 * Maps rows of model outputs to AU vectors in `AU_KEYS` order (sigmoid first when the graph gives
 * logits); AUs the model lacks read 0.
 */
export function toVectors(
  probs: ArrayLike<number>,
  b: number,
  width: number,
  index: readonly number[],
  logits = false,
): AuVector[] {
  const out: AuVector[] = [];
  for (let r = 0; r < b; r++) {
    const v = {} as Record<AuKey, number>;
    AU_KEYS.forEach((k, i) => {
      const j = index[i]!;
      const x = j < 0 ? 0 : probs[r * width + j]!;
      v[k] = j < 0 ? 0 : logits ? 1 / (1 + Math.exp(-x)) : Math.min(1, Math.max(0, x));
    });
    out.push(v);
  }
  return out;
}
