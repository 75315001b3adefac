/**
 * A bundle's self-test at load (issue #18): a model file can parse and still be broken (a corrupted initializer
 * gives NaN everywhere). The trainer ships `fixture.json` (aligned crops and the probabilities PyTorch computed
 * for them, with a tolerance); the estimator must reproduce them through its own preprocessing and ONNX Runtime
 * before it serves. A bundle without a fixture is at least run once on a grey crop and must give finite values.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ModelError } from '../errors.js';
import { AU_KEYS, type AuKey, type AuVector, type FaceObservation } from '../types.js';

const fixtureSchema = z
  .object({
    tolerance: z.number().positive().max(0.5),
    size: z.number().int().positive(),
    aus: z.array(z.string()),
    crops: z
      .array(z.object({ file: z.string(), rgb: z.string(), expected: z.array(z.number()) }).loose())
      .min(1),
  })
  .loose();

/** Every value of every vector is a finite number in [0, 1]. */
export function allFinite(vectors: readonly AuVector[]): boolean {
  return vectors.every((v) => AU_KEYS.every((k) => Number.isFinite(v[k]) && v[k] >= 0 && v[k] <= 1));
}

/** A face carrying only an aligned crop (the self-test's input). */
function cropFace(size: number, rgb: Uint8Array, templateId: string): FaceObservation {
  return {
    streamId: 'selftest',
    seq: 0,
    ptsMs: 0,
    decodedAt: 0,
    trackId: 0,
    box: { x: 0, y: 0, w: size, h: size },
    score: 1,
    mesh: new Float32Array(0),
    detected: true,
    crop: { width: size, height: size, rgb, toSource: [1, 0, 0, 0, 1, 0], templateId },
  } as unknown as FaceObservation;
}

export interface SelfTestResult {
  readonly crops: number;
  /** Largest |ours − PyTorch's| over the fixture (0 without a fixture). */
  readonly maxDiff: number;
  readonly tolerance: number;
}

/**
 * Runs the bundle's fixture through `estimate` and throws ModelError BUNDLE_SELFTEST when an output is not finite
 * or differs from PyTorch's by more than the fixture's tolerance (naming the AU, crop and values).
 */
export async function selfTest(
  dir: string,
  size: number,
  templateId: string,
  estimate: (faces: readonly FaceObservation[]) => Promise<AuVector[]>,
): Promise<SelfTestResult> {
  const file = join(dir, 'fixture.json');
  const fail = (msg: string): never => {
    throw new ModelError(
      'BUNDLE_SELFTEST',
      `model bundle ${dir} failed its self-test: ${msg}; the bundle is refused`,
    );
  };
  if (!existsSync(file)) {
    const out = await estimate([cropFace(size, new Uint8Array(size * size * 3).fill(128), templateId)]);
    if (!allFinite(out)) fail('a grey crop gives non-finite or out-of-range outputs (corrupted weights?)');
    return { crops: 1, maxDiff: 0, tolerance: 0 };
  }
  const parsed = fixtureSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) return fail(`fixture.json is malformed: ${parsed.error.issues[0]?.message}`);
  const fx = parsed.data;
  if (fx.size !== size) fail(`fixture.json has ${fx.size}px crops but the card's input is ${size}px`);
  const faces = fx.crops.map((c) => cropFace(size, new Uint8Array(Buffer.from(c.rgb, 'base64')), templateId));
  const out = await estimate(faces);
  let maxDiff = 0;
  out.forEach((v, i) => {
    const crop = fx.crops[i] as (typeof fx.crops)[number];
    fx.aus.forEach((au, j) => {
      const ours = v[au as AuKey];
      const want = crop.expected[j] as number;
      if (!Number.isFinite(ours)) fail(`${au} on ${crop.file} is ${ours} (corrupted weights?)`);
      const d = Math.abs(ours - want);
      maxDiff = Math.max(maxDiff, d);
      if (d > fx.tolerance)
        fail(
          `${au} on ${crop.file} is ${ours.toFixed(6)}, PyTorch gave ${want.toFixed(6)} (tolerance ${fx.tolerance})`,
        );
    });
  });
  return { crops: faces.length, maxDiff, tolerance: fx.tolerance };
}
