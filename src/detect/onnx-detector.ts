/**
 * FaceDetector on ONNX Runtime: human's blazeface and facemesh graphs converted op for op to ONNX
 * (tools/tfjs_graph_to_onnx.py, committed in models/detect/ with their provenance). Same models and
 * crop conventions as the tfjs runtime, several times less CPU per face (bench/README), and a batched
 * mesh pass for all faces of a frame.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/index.js';
import { PACKAGE_ROOT } from '../config/index.js';
import { DetectError } from '../errors.js';
import { OrtOpenError, openOrtSession, ort } from '../runtime/index.js';
import { serialQueue } from '../serial-queue.js';
import type { FaceDetection, RgbImage } from '../types.js';
import { warpAffineInto } from './align.js';
import { BLAZE_ANCHORS, BLAZE_INPUT, blazeAnchors, blazeSeed, decodeBlazeFace } from './blazeface.js';
import type { FaceDetector } from './detector.js';
import { MESH_INPUT, type MeshRefiner, type MeshRunner, meshFaces, seedFromFace } from './face-mesh.js';
import { eyeBox, eyeTransform, IRIS_INPUT, IRIS_POINTS, refineWithIris } from './iris.js';

type DetectCfg = Config['detect'];

export const DETECT_MODEL_DIR = path.join(PACKAGE_ROOT, 'models', 'detect');
/** Overlap above which the weaker of two detector boxes is dropped (the value human is run with). */
const NMS_IOU = 0.1;
const MESH_POINTS_LEN = 468 * 3;

async function open(file: string, cfg: DetectCfg): Promise<ort.InferenceSession> {
  if (!existsSync(file)) {
    throw new DetectError(
      'DETECTOR_LOAD_FAILED',
      `face detector model ${file} is missing (it ships with aupipe; regenerate with tools/tfjs_graph_to_onnx.py)`,
    );
  }
  try {
    // one intra-op thread: the models are small (a second thread measured no faster); streams get more
    // cores through detect.workers
    return (await openOrtSession(readFileSync(file), { provider: cfg.provider, intraOpThreads: 1 })).session;
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

/** Finds an output by its dims (names differ between converter versions; shapes do not). */
function byDims(out: ort.InferenceSession.OnnxValueMapType, ...dims: number[]): Float32Array {
  for (const v of Object.values(out)) {
    const t = v as ort.Tensor;
    if (t.dims.length === dims.length && t.dims.every((d, i) => d === dims[i])) return t.data as Float32Array;
  }
  throw new DetectError('DETECT_FAILED', `face model output [${dims.join(', ')}] not found`);
}

export async function createOnnxDetector(cfg: DetectCfg, modelDir = DETECT_MODEL_DIR): Promise<FaceDetector> {
  const opened = await Promise.allSettled([
    open(path.join(modelDir, 'blazeface.onnx'), cfg),
    open(path.join(modelDir, 'facemesh.onnx'), cfg),
    ...(cfg.iris ? [open(path.join(modelDir, 'iris.onnx'), cfg)] : []),
  ]);
  const failed = opened.find((o) => o.status === 'rejected');
  if (failed) {
    for (const o of opened) if (o.status === 'fulfilled') await o.value.release();
    throw failed.reason;
  }
  const [blaze, mesh, iris] = opened.map(
    (o) => (o as PromiseFulfilledResult<ort.InferenceSession>).value,
  ) as [ort.InferenceSession, ort.InferenceSession, ort.InferenceSession | undefined];
  const anchors = blazeAnchors();
  const blazeIn = new Float32Array(BLAZE_INPUT * BLAZE_INPUT * 3);
  // the two anchor groups' outputs joined in anchor order (reused: calls are serialised)
  const logits = new Float32Array(BLAZE_ANCHORS);
  const regs = new Float32Array(BLAZE_ANCHORS * 16);
  const queue = serialQueue(() => new DetectError('DETECTOR_CLOSED', 'face detector is closed'));

  const runMesh: MeshRunner = async (input, n) => {
    const out = await mesh.run({
      [mesh.inputNames[0]!]: new ort.Tensor('float32', input, [n, MESH_INPUT, MESH_INPUT, 3]),
    });
    const scores = byDims(out, n, 1);
    const points = byDims(out, n, MESH_POINTS_LEN);
    return Array.from({ length: n }, (_, i) => ({
      score: scores[i]!,
      raw: points.subarray(i * MESH_POINTS_LEN, (i + 1) * MESH_POINTS_LEN),
    }));
  };

  // Iris: both eyes of every kept face in one batch, cut straight from the frame (no second resampling).
  const runIris: MeshRefiner | undefined = iris
    ? async (img, faces) => {
        const plane = IRIS_INPUT * IRIS_INPUT * 3;
        const input = new Float32Array(plane * 2 * faces.length);
        const boxes = faces.map((f, i) => {
          const pair = [eyeBox(f.raw, 'left'), eyeBox(f.raw, 'right')] as const;
          for (const [e, b] of pair.entries()) {
            warpAffineInto(
              img,
              eyeTransform(b, f.toSource),
              IRIS_INPUT,
              input,
              (2 * i + e) * plane,
              1 / 255,
              0,
            );
          }
          return pair;
        });
        const n = 2 * faces.length;
        const out = await iris.run({
          [iris.inputNames[0]!]: new ort.Tensor('float32', input, [n, IRIS_INPUT, IRIS_INPUT, 3]),
        });
        const eyes = byDims(out, n, 1, 1, IRIS_POINTS * 3);
        const len = IRIS_POINTS * 3;
        return faces.map((f, i) =>
          refineWithIris(
            f.raw,
            eyes.subarray(2 * i * len, (2 * i + 1) * len),
            eyes.subarray((2 * i + 1) * len, (2 * i + 2) * len),
            boxes[i]![0],
            boxes[i]![1],
          ),
        );
      }
    : undefined;

  const keep = (d: FaceDetection) =>
    d.box.w >= cfg.minFaceSize && d.box.h >= cfg.minFaceSize && d.score >= cfg.minScore;

  const detect = (img: RgbImage) =>
    queue.run(async () => {
      // the whole frame squashed to 256×256 (as human feeds it), normalised to [-1, 1]
      const sx = img.width / BLAZE_INPUT;
      const sy = img.height / BLAZE_INPUT;
      warpAffineInto(img, [sx, 0, (sx - 1) / 2, 0, sy, (sy - 1) / 2], BLAZE_INPUT, blazeIn, 0, 1 / 127.5, -1);
      const out = await blaze.run({
        [blaze.inputNames[0]!]: new ort.Tensor('float32', blazeIn, [1, BLAZE_INPUT, BLAZE_INPUT, 3]),
      });
      logits.set(byDims(out, 1, 512, 1), 0);
      logits.set(byDims(out, 1, 384, 1), 512);
      regs.set(byDims(out, 1, 512, 16), 0);
      regs.set(byDims(out, 1, 384, 16), 512 * 16);
      const found = decodeBlazeFace(logits, regs, anchors, {
        minScore: cfg.minScore,
        iouThreshold: NMS_IOU,
        maxFaces: cfg.maxFaces,
      });
      const seeds = found.map((f) => blazeSeed(f, img.width, img.height, cfg.rotation));
      return (await meshFaces(img, seeds, runMesh, cfg.minScore, runIris)).filter(keep);
    });

  const follow = (img: RgbImage, previous: readonly FaceDetection[]) =>
    queue.run(async () => {
      const seeds = previous.map((p) => seedFromFace(p, cfg.rotation));
      return (await meshFaces(img, seeds, runMesh, cfg.minScore, runIris)).filter(keep);
    });

  return {
    detect,
    follow,
    async close() {
      await queue.close();
      await Promise.all([blaze.release(), mesh.release(), iris?.release()]);
    },
  };
}
