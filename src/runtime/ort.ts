/**
 * Opening ONNX Runtime sessions on a chosen execution provider, shared by the classifier and the face
 * detector. `cuda`/`tensorrt` that fail to load are an error (the user asked for them); `auto` tries them
 * in turn and falls back to CPU, so it never fails for lack of a GPU.
 */
import * as ort from 'onnxruntime-node';
import type { OrtProvider } from '../config/index.js';
import { type Inference, sessionInference } from './inference.js';

// ORT's native logger prints a provider that fails to load straight to stderr; the failure reaches the
// caller as an exception with the same text (and a typed error for the user), so keep stderr quiet.
ort.env.logLevel = 'fatal';

export type Provider = OrtProvider;
export type LoadedProvider = Exclude<Provider, 'auto'>;
/** Order `auto` tries: fastest first, CPU always last. */
const AUTO_ORDER = ['tensorrt', 'cuda', 'cpu'] as const;

export interface OpenOptions {
  readonly provider: Provider;
  /** ORT intra-op threads (0: ORT's default). */
  readonly intraOpThreads: number;
  readonly log?: (msg: string) => void;
}

/** Why a session could not be opened: the bytes are not a model, or no requested provider loaded. */
export class OrtOpenError extends Error {
  constructor(
    readonly kind: 'corrupt' | 'unavailable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function sessionOptions(ep: string, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    ...(threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    logSeverityLevel: 3,
    // Idle ORT threads must sleep, not spin: the pipeline runs several sessions (detector, CNN, lip net) and
    // ffmpeg side by side on few cores, and spinning threads take the cores the others need. Measured on the
    // 4-face sample clip (2 cores, fusion): 9.4 s spinning, 8.2 s not; the stage benchmark is unchanged.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

export async function openOrtSession(
  bytes: Uint8Array,
  o: OpenOptions,
): Promise<{ session: ort.InferenceSession; provider: LoadedProvider }> {
  const order = o.provider === 'auto' ? AUTO_ORDER : [o.provider];
  const failures: string[] = [];
  for (const ep of order) {
    try {
      return {
        session: await ort.InferenceSession.create(bytes, sessionOptions(ep, o.intraOpThreads)),
        provider: ep,
      };
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0] ?? String(e);
      if (/protobuf|parse|invalid model|load model/i.test(msg) && !/shared library|provider/i.test(msg)) {
        throw new OrtOpenError('corrupt', `not a valid ONNX model (${msg})`, { cause: e });
      }
      failures.push(`${ep}: ${msg}`);
      o.log?.(`execution provider ${ep} unavailable (${msg})`);
    }
  }
  throw new OrtOpenError(
    'unavailable',
    `execution provider ${o.provider} could not be loaded (${failures.join('; ')})`,
  );
}

/** Wraps an ORT-node session in the inference interface (`inference.ts`), shared with the browser's ORT-web. */
export function nodeInference(session: ort.InferenceSession): Inference {
  return sessionInference(session, (data, dims) => new ort.Tensor('float32', data, dims));
}

/** `openOrtSession`, wrapped in the inference interface. */
export async function openOrtInference(
  bytes: Uint8Array,
  o: OpenOptions,
): Promise<{ inference: Inference; provider: LoadedProvider }> {
  const { session, provider } = await openOrtSession(bytes, o);
  return { inference: nodeInference(session), provider };
}

export { ort };
