import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { Config } from '../config/index.js';
import { ModelError } from '../errors.js';
import type { ModelBundle } from './bundle.js';

// ORT's native logger prints a provider that fails to load straight to stderr; the failure reaches the
// caller as an exception with the same text (and a ModelError for the user), so keep stderr quiet.
ort.env.logLevel = 'fatal';

export type Provider = Config['classify']['provider'];
/** Order `auto` tries: fastest first, CPU always last so auto never fails for lack of a GPU. */
const AUTO_ORDER = ['tensorrt', 'cuda', 'cpu'] as const;

export interface OrtSessionOptions {
  readonly provider: Provider;
  readonly intraOpThreads: number;
  readonly log?: (msg: string) => void;
}

export interface OpenedSession {
  readonly session: ort.InferenceSession;
  /** The execution provider that loaded. */
  readonly provider: 'cpu' | 'cuda' | 'tensorrt';
  readonly inputName: string;
  readonly outputName: string;
}

function sessionOptions(ep: string, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    ...(threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    logSeverityLevel: 3,
  };
}

/** Checks the graph against the card: one float NCHW input whose channel and spatial dims match. */
function checkShapes(b: ModelBundle, s: ort.InferenceSession): { inputName: string; outputName: string } {
  const bad = (problem: string): never => {
    throw new ModelError('BUNDLE_SHAPE_MISMATCH', `model bundle ${b.dir}: ${problem}`);
  };
  const inp = s.inputMetadata[0];
  const out = s.outputMetadata[0];
  if (!inp || !out || s.inputMetadata.length !== 1)
    bad('model.onnx must have exactly one input and an output');
  if (!inp!.isTensor || inp!.type !== 'float32') bad('model.onnx input must be a float32 tensor');
  const shape = inp!.isTensor ? inp!.shape : [];
  const n = b.card.input.size;
  const fixed = (d: number | string | undefined, want: number) => typeof d !== 'number' || d === want;
  if (shape.length !== 4 || !fixed(shape[1], 3) || !fixed(shape[2], n) || !fixed(shape[3], n)) {
    bad(`model.json says input ${n}x${n} NCHW but model.onnx input is [${shape.join(', ')}]`);
  }
  if (out!.isTensor && out!.shape.length === 2 && typeof out!.shape[1] === 'number') {
    if (out!.shape[1] !== b.aus.length) {
      bad(`model.json lists ${b.aus.length} AUs but model.onnx outputs ${out!.shape[1]}`);
    }
  }
  return { inputName: inp!.name, outputName: out!.name };
}

/**
 * Opens the bundle's ONNX model on the configured execution provider. `cuda`/`tensorrt` that fail to
 * load are an error (the user asked for them); `auto` tries them in turn and falls back to CPU.
 */
export async function openSession(b: ModelBundle, o: OrtSessionOptions): Promise<OpenedSession> {
  const bytes = readFileSync(b.onnxPath);
  const order = o.provider === 'auto' ? AUTO_ORDER : [o.provider];
  const failures: string[] = [];
  for (const ep of order) {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, sessionOptions(ep, o.intraOpThreads));
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0] ?? String(e);
      if (/protobuf|parse|invalid model|load model/i.test(msg) && !/shared library|provider/i.test(msg)) {
        throw new ModelError(
          'BUNDLE_CORRUPT_ONNX',
          `model bundle ${b.dir}: model.onnx is not a valid ONNX model (${msg})`,
          {
            cause: e,
          },
        );
      }
      failures.push(`${ep}: ${msg}`);
      o.log?.(`classify: execution provider ${ep} unavailable (${msg})`);
      continue;
    }
    let names: { inputName: string; outputName: string };
    try {
      names = checkShapes(b, session);
    } catch (e) {
      await session.release();
      throw e;
    }
    o.log?.(
      `classify: ${b.card.name}@${b.card.version} on ONNX Runtime ${ort.env.versions.node ?? ''} provider ${ep}`,
    );
    return { session, provider: ep, ...names };
  }
  throw new ModelError(
    'PROVIDER_UNAVAILABLE',
    `model bundle ${b.dir}: execution provider ${o.provider} could not be loaded (${failures.join('; ')}); ` +
      'use classify.provider=cpu or auto, or install the ONNX Runtime GPU provider libraries',
  );
}
