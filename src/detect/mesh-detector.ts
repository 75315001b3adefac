/**
 * The face detector over the inference interface: blazeface finds faces, facemesh maps 468 points on each
 * (one batch for all faces of a frame), iris optionally refines the eyes. Pure: the three models come in as
 * `Inference` sessions, so the server (onnxruntime-node, `onnx-detector.ts`) and the browser (onnxruntime-web)
 * run the same pre- and post-processing on the same ONNX files.
 */
import type { Config } from '../config/index.js';
import { DetectError } from '../errors.js';
import { type Inference, runSingle, type TensorData } from '../runtime/browser.js';
import { serialQueue } from '../serial-queue.js';
import { clockMs, stageTimer, timedAsync } from '../stage-timer.js';
import type { FaceDetection, RgbImage } from '../types.js';
import { warpAffineInto } from './align.js';
import { BLAZE_ANCHORS, BLAZE_INPUT, blazeAnchors, blazeSeed, decodeBlazeFace } from './blazeface.js';
import type { FaceDetector } from './detector.js';
import { MESH_INPUT, type MeshRefiner, type MeshRunner, meshFaces, seedFromFace } from './face-mesh.js';
import { eyeBox, eyeTransform, IRIS_INPUT, IRIS_POINTS, refineWithIris } from './iris.js';

/** The detect settings the detector reads (a subset of `Config['detect']`). */
export type MeshDetectorConfig = Pick<Config['detect'], 'minScore' | 'maxFaces' | 'minFaceSize' | 'rotation'>;

/** The three models: blazeface and facemesh, and iris when the eyes are refined. */
export interface DetectorSessions {
  readonly blaze: Inference;
  readonly mesh: Inference;
  readonly iris?: Inference | undefined;
}

/** Overlap above which the weaker of two detector boxes is dropped (the value human is run with). */
const NMS_IOU = 0.1;
const MESH_POINTS_LEN = 468 * 3;

/** Finds an output by its dims (names differ between converter versions; shapes do not). */
function byDims(out: Readonly<Record<string, TensorData>>, ...dims: number[]): Float32Array {
  for (const t of Object.values(out)) {
    if (t.dims.length === dims.length && t.dims.every((d, i) => d === dims[i])) return t.data;
  }
  throw new DetectError('DETECT_FAILED', `face model output [${dims.join(', ')}] not found`);
}

export function createMeshDetector(s: DetectorSessions, cfg: MeshDetectorConfig): FaceDetector {
  const { blaze, mesh, iris } = s;
  const anchors = blazeAnchors();
  const blazeIn = new Float32Array(BLAZE_INPUT * BLAZE_INPUT * 3);
  // the two anchor groups' outputs joined in anchor order (reused: calls are serialised)
  const logits = new Float32Array(BLAZE_ANCHORS);
  const regs = new Float32Array(BLAZE_ANCHORS * 16);
  // the mesh model's input, grown to the largest batch seen and reused (calls are serialised)
  let meshIn = new Float32Array(0);
  const meshInput = (length: number): Float32Array => {
    if (meshIn.length < length) meshIn = new Float32Array(length);
    return meshIn.subarray(0, length);
  };
  const queue = serialQueue(() => new DetectError('DETECTOR_CLOSED', 'face detector is closed'));

  const runMesh: MeshRunner = async (input, n) => {
    const out = await timedAsync('mesh.ort', n, () => runSingle(mesh, input, [n, MESH_INPUT, MESH_INPUT, 3]));
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
            const t = eyeTransform(b, f.toSource);
            warpAffineInto(img, t, IRIS_INPUT, input, (2 * i + e) * plane, 1 / 255, 0);
          }
          return pair;
        });
        const n = 2 * faces.length;
        const out = await timedAsync('iris.ort', n, () =>
          runSingle(iris, input, [n, IRIS_INPUT, IRIS_INPUT, 3]),
        );
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
      const t = stageTimer();
      let t0 = t ? clockMs() : 0;
      const sx = img.width / BLAZE_INPUT;
      const sy = img.height / BLAZE_INPUT;
      warpAffineInto(img, [sx, 0, (sx - 1) / 2, 0, sy, (sy - 1) / 2], BLAZE_INPUT, blazeIn, 0, 1 / 127.5, -1);
      if (t) t.add('detect.prep', clockMs() - t0);
      const out = await timedAsync('detect.ort', 0, () =>
        runSingle(blaze, blazeIn, [1, BLAZE_INPUT, BLAZE_INPUT, 3]),
      );
      if (t) t0 = clockMs();
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
      if (t) t.add('detect.post', clockMs() - t0, seeds.length);
      return (await meshFaces(img, seeds, runMesh, cfg.minScore, runIris, meshInput)).filter(keep);
    });

  const follow = (img: RgbImage, previous: readonly FaceDetection[]) =>
    queue.run(async () => {
      const seeds = previous.map((p) => seedFromFace(p, cfg.rotation));
      return (await meshFaces(img, seeds, runMesh, cfg.minScore, runIris, meshInput)).filter(keep);
    });

  return {
    detect,
    follow,
    async close() {
      await queue.close();
      await Promise.all([blaze.close(), mesh.close(), iris?.close()]);
    },
  };
}
