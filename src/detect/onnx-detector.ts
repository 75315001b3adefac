/**
 * FaceDetector on ONNX Runtime (Node): human's blazeface and facemesh graphs converted op for op to ONNX
 * (tools/tfjs_graph_to_onnx.py, committed in models/detect/ with their provenance). Same models and
 * crop conventions as the tfjs runtime, several times less CPU per face (bench/README), and a batched
 * mesh pass for all faces of a frame. This file opens the files on onnxruntime-node; the detection itself is
 * `mesh-detector.ts`, which the browser runs on onnxruntime-web.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/index.js';
import { PACKAGE_ROOT } from '../config/index.js';
import { DetectError } from '../errors.js';
import { type Inference, OrtOpenError, openOrtInference } from '../runtime/index.js';
import type { FaceDetector } from './detector.js';
import { createMeshDetector } from './mesh-detector.js';

type DetectCfg = Config['detect'];

export const DETECT_MODEL_DIR = path.join(PACKAGE_ROOT, 'models', 'detect');

async function open(file: string, cfg: DetectCfg): Promise<Inference> {
  if (!existsSync(file)) {
    throw new DetectError(
      'DETECTOR_LOAD_FAILED',
      `face detector model ${file} is missing (it ships with aupipe; regenerate with tools/tfjs_graph_to_onnx.py)`,
    );
  }
  try {
    // one intra-op thread: the models are small (a second thread measured no faster); streams get more
    // cores through detect.workers
    return (await openOrtInference(readFileSync(file), { provider: cfg.provider, intraOpThreads: 1 }))
      .inference;
  } catch (e) {
    const unavailable = e instanceof OrtOpenError && e.kind === 'unavailable';
    const msg = e instanceof Error ? e.message : String(e);
    throw new DetectError(
      unavailable ? 'PROVIDER_UNAVAILABLE' : 'DETECTOR_LOAD_FAILED',
      `face detector model ${file} failed to load: ${msg}${unavailable ? '; use detect.provider=cpu or auto' : ''}`,
      { cause: e },
    );
  }
}

export async function createOnnxDetector(cfg: DetectCfg, modelDir = DETECT_MODEL_DIR): Promise<FaceDetector> {
  const skip = async (): Promise<undefined> => undefined;
  const opened = await Promise.allSettled([
    cfg.range !== 'full' ? open(path.join(modelDir, 'blazeface.onnx'), cfg) : skip(),
    cfg.range !== 'short' ? open(path.join(modelDir, 'blazeface-full.onnx'), cfg) : skip(),
    open(path.join(modelDir, 'facemesh.onnx'), cfg),
    cfg.iris ? open(path.join(modelDir, 'iris.onnx'), cfg) : skip(),
    cfg.scanEvery > 0 ? open(path.join(modelDir, 'ssd-mobilenetv1.onnx'), cfg) : skip(),
  ]);
  const failed = opened.find((o) => o.status === 'rejected');
  if (failed) {
    for (const o of opened) if (o.status === 'fulfilled') await o.value?.close();
    throw failed.reason;
  }
  const [blaze, full, mesh, iris, ssd] = opened.map(
    (o) => (o as PromiseFulfilledResult<Inference | undefined>).value,
  );
  return createMeshDetector({ blaze, full, mesh: mesh!, iris, ssd }, cfg);
}
