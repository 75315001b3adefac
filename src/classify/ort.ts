import { readFileSync } from 'node:fs';
import type { Config } from '../config/index.js';
import { ModelError } from '../errors.js';
import {
  type LoadedProvider,
  type OpenOptions,
  OrtOpenError,
  openOrtSession,
  ort,
} from '../runtime/index.js';
import type { ModelBundle } from './bundle.js';

export type Provider = Config['classify']['provider'];

/** Provider, intra-op threads and log sink: the shared opener's options. */
export type OrtSessionOptions = OpenOptions;

export interface OpenedSession {
  readonly session: ort.InferenceSession;
  /** The execution provider that loaded. */
  readonly provider: LoadedProvider;
  readonly inputName: string;
  readonly outputName: string;
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
  let opened: Awaited<ReturnType<typeof openOrtSession>>;
  try {
    opened = await openOrtSession(readFileSync(b.onnxPath), {
      ...o,
      log: (m) => o.log?.(`classify: ${m}`),
    });
  } catch (e) {
    if (!(e instanceof OrtOpenError)) throw e;
    if (e.kind === 'corrupt') {
      throw new ModelError('BUNDLE_CORRUPT_ONNX', `model bundle ${b.dir}: model.onnx is ${e.message}`, {
        cause: e,
      });
    }
    throw new ModelError(
      'PROVIDER_UNAVAILABLE',
      `model bundle ${b.dir}: ${e.message}; use classify.provider=cpu or auto, or install the ONNX Runtime GPU provider libraries`,
    );
  }
  const { session, provider } = opened;
  let names: { inputName: string; outputName: string };
  try {
    names = checkShapes(b, session);
  } catch (e) {
    await session.release();
    throw e;
  }
  o.log?.(
    `classify: ${b.card.name}@${b.card.version} on ONNX Runtime ${ort.env.versions.node ?? ''} provider ${provider}`,
  );
  return { session, provider, ...names };
}
