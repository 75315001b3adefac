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
import {
  BLAZE_ANCHORS,
  BLAZE_INPUT,
  type BlazeFace,
  blazeAnchors,
  decodeBlazeFace,
  MESH_BOX_SCALE,
  scaledSeed,
} from './blazeface.js';
import type { FaceDetector } from './detector.js';
import { MESH_INPUT, type MeshRefiner, type MeshRunner, meshFaces, seedFromFace } from './face-mesh.js';
import {
  decodeFullRange,
  detectWindows,
  FULL_ANCHORS,
  FULL_INPUT,
  FULL_MESH_BOX_SCALE,
  FULL_VALUES,
  fullRangeAnchors,
  mergeFaces,
  windowTransform,
} from './full-range.js';
import { eyeBox, eyeTransform, IRIS_INPUT, IRIS_POINTS, refineWithIris } from './iris.js';
import { detectSsd, freshFaces, ssdSeed } from './ssd.js';

/** The detect settings the detector reads (a subset of `Config['detect']`). */
export type MeshDetectorConfig = Pick<
  Config['detect'],
  | 'minScore'
  | 'minMeshScore'
  | 'confidentScore'
  | 'maxFaces'
  | 'minFaceSize'
  | 'rotation'
  | 'range'
  | 'tileSide'
  | 'scanMinScore'
  | 'scanTileSide'
>;

/**
 * The models: the short-range blazeface (range short or auto), the full-range detector (full or auto),
 * facemesh, and iris when the eyes are refined.
 */
export interface DetectorSessions {
  readonly blaze?: Inference | undefined;
  readonly full?: Inference | undefined;
  readonly mesh: Inference;
  readonly iris?: Inference | undefined;
  /** face-api's SSD, for the periodic scan for faces the detector misses (detect.scanEvery > 0). */
  readonly ssd?: Inference | undefined;
}

/** Overlap above which the weaker of two detector boxes is dropped (the value human is run with). */
const NMS_IOU = 0.1;
const MESH_POINTS_LEN = 468 * 3;
/** detect.range=auto tiles frames whose longer side is at least this many tile sides. */
export const AUTO_TILE_FROM = 2;

/** Finds an output by its dims (names differ between converter versions; shapes do not). */
function byDims(out: Readonly<Record<string, TensorData>>, ...dims: number[]): Float32Array {
  for (const t of Object.values(out)) {
    if (t.dims.length === dims.length && t.dims.every((d, i) => d === dims[i])) return t.data;
  }
  throw new DetectError('DETECT_FAILED', `face model output [${dims.join(', ')}] not found`);
}

/** The full-range model's face output: of the two [n, 2304, 17] outputs, the one named first. */
function faceOutput(out: Readonly<Record<string, TensorData>>, n: number): Float32Array {
  const names = Object.keys(out)
    .filter((k) => {
      const d = out[k]!.dims;
      return d.length === 3 && d[0] === n && d[1] === FULL_ANCHORS && d[2] === FULL_VALUES;
    })
    .sort();
  if (names.length === 0) throw new DetectError('DETECT_FAILED', 'full-range face output not found');
  return out[names[0]!]!.data;
}

/** The short-range detector's input window: the whole frame squashed to BLAZE_INPUT² (as human feeds it). */
export function shortRangeWindow(width: number, height: number): readonly number[] {
  const sx = width / BLAZE_INPUT;
  const sy = height / BLAZE_INPUT;
  return [sx, 0, (sx - 1) / 2, 0, sy, (sy - 1) / 2];
}

/**
 * One detector input (NHWC, [-1, 1], black outside the frame) from the frame through `toSource` (model input pixels
 * to frame pixels: `shortRangeWindow`, or `windowTransform` of a full-range window), into `out` at `offset`.
 */
export function writeDetectorInput(
  img: RgbImage,
  range: 'short' | 'full',
  toSource: readonly number[],
  out: Float32Array,
  offset: number,
): void {
  warpAffineInto(img, toSource, range === 'short' ? BLAZE_INPUT : FULL_INPUT, out, offset, 1 / 127.5, -1);
}

/** A short-range candidate (model pixels of a squashed frame) in frame pixels. */
function toFrame(f: BlazeFace, sx: number, sy: number): BlazeFace {
  const keypoints = new Float32Array(12);
  for (let p = 0; p < 12; p += 2) {
    keypoints[p] = f.keypoints[p]! * sx;
    keypoints[p + 1] = f.keypoints[p + 1]! * sy;
  }
  return { score: f.score, x1: f.x1 * sx, y1: f.y1 * sy, x2: f.x2 * sx, y2: f.y2 * sy, keypoints };
}

export function createMeshDetector(s: DetectorSessions, cfg: MeshDetectorConfig): FaceDetector {
  const { blaze, full, mesh, iris, ssd } = s;
  const useShort = cfg.range === 'short';
  const useFull = !useShort;
  // auto falls back on the short-range model when the full-range one finds no face: the full-range model
  // misses the face of a small, low-resolution image (a 60-160 px thumbnail crop) that the short-range one finds
  const fallback = cfg.range === 'auto' && blaze !== undefined;
  // auto tiles only frames at least twice a tile (camera-resolution frames, where the letterboxed pass
  // shrinks faces 2x or more); full tiles any frame past 1.2 tiles
  const tileFrom = cfg.range === 'auto' ? AUTO_TILE_FROM : 1.2;
  if ((useShort && !blaze) || (useFull && !full)) {
    throw new DetectError('DETECTOR_LOAD_FAILED', `detect.range=${cfg.range} needs its detector model`);
  }
  const anchors = blazeAnchors();
  const fullAnchors = fullRangeAnchors();
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

  const keepAt = (minMesh: number) => (d: FaceDetection) =>
    d.box.w >= cfg.minFaceSize && d.box.h >= cfg.minFaceSize && d.score >= minMesh;
  const keep = keepAt(cfg.minScore);
  // a new face the detector is sure of (confidentScore) needs only minMeshScore from the mesh, which scores
  // small, blurred and downturned faces low; any other needs minScore from both
  const keepNew = keepAt(cfg.minMeshScore);

  const nms = { minScore: cfg.minScore, iouThreshold: NMS_IOU, maxFaces: cfg.maxFaces * 4 };

  /** Short range: the whole frame squashed to 256×256 (as human feeds it), normalised to [-1, 1]. */
  const shortRange = async (img: RgbImage): Promise<BlazeFace[]> => {
    const t = stageTimer();
    let t0 = t ? clockMs() : 0;
    const win = shortRangeWindow(img.width, img.height);
    writeDetectorInput(img, 'short', win, blazeIn, 0);
    if (t) t.add('detect.prep', clockMs() - t0);
    const out = await timedAsync('detect.ort', 0, () =>
      runSingle(blaze!, blazeIn, [1, BLAZE_INPUT, BLAZE_INPUT, 3]),
    );
    if (t) t0 = clockMs();
    logits.set(byDims(out, 1, 512, 1), 0);
    logits.set(byDims(out, 1, 384, 1), 512);
    regs.set(byDims(out, 1, 512, 16), 0);
    regs.set(byDims(out, 1, 384, 16), 512 * 16);
    const found = decodeBlazeFace(logits, regs, anchors, nms).map((f) => toFrame(f, win[0]!, win[4]!)); // the window's x, y scales
    if (t) t.add('detect.post', clockMs() - t0, found.length);
    return found;
  };

  /** Full range: the letterboxed frame plus native-resolution tiles, one batch, merged across windows. */
  const fullRange = async (img: RgbImage): Promise<BlazeFace[]> => {
    const windows = detectWindows(img.width, img.height, cfg.tileSide, tileFrom);
    const plane = FULL_INPUT * FULL_INPUT * 3;
    const input = new Float32Array(plane * windows.length);
    windows.forEach((w, i) => {
      writeDetectorInput(img, 'full', windowTransform(w), input, i * plane);
    });
    const out = await timedAsync('detect.ort', 0, () =>
      runSingle(full!, input, [windows.length, FULL_INPUT, FULL_INPUT, 3]),
    );
    // two outputs share this shape: the face head is the first, by name order of the graph (Identity)
    const faces = faceOutput(out, windows.length);
    const len = FULL_ANCHORS * FULL_VALUES;
    return windows.flatMap((w, i) =>
      decodeFullRange(faces.subarray(i * len, (i + 1) * len), fullAnchors, w, nms),
    );
  };

  const detect = (img: RgbImage) =>
    queue.run(async () => {
      let found = useFull ? await fullRange(img) : [];
      const short = useShort || (fallback && found.length === 0);
      if (short) found = await shortRange(img);
      // candidates beyond maxFaces: the mesh gate may drop some (tile part-faces), maxFaces applies after it
      const merged = short ? found : mergeFaces(found, NMS_IOU, cfg.maxFaces * 4);
      const boxScale = short ? MESH_BOX_SCALE : FULL_MESH_BOX_SCALE;
      const seeds = merged.map((f) => scaledSeed(f, 1, 1, cfg.rotation, boxScale));
      // every seed's mesh, in seed order (score >= 0 keeps them all), then the two-score gate
      const meshed = await meshFaces(img, seeds, runMesh, 0, runIris, meshInput);
      return meshed
        .filter((d, i) => keep(d) || (merged[i]!.score >= cfg.confidentScore && keepNew(d)))
        .slice(0, cfg.maxFaces);
    });

  const follow = (img: RgbImage, previous: readonly FaceDetection[]) =>
    queue.run(async () => {
      const seeds = previous.map((p) => seedFromFace(p, cfg.rotation));
      return (await meshFaces(img, seeds, runMesh, cfg.minScore, runIris, meshInput)).filter(keep);
    });

  // The SSD on the letterboxed frame (plus native tiles of scanTileSide on frames at least twice a tile); its
  // faces that are none of the known ones, each confirmed by the mesh as a confident detector's face is
  // (scanMinScore from the SSD, minMeshScore from the mesh), then checked again against the known faces'
  // boxes (an SSD box beside a known face can mesh onto it).
  const scan = ssd
    ? (img: RgbImage, known: readonly FaceDetection[]) =>
        queue.run(async () => {
          const room = cfg.maxFaces - known.length;
          if (room <= 0) return []; // no SSD pass for faces that could not be added
          const windows = detectWindows(img.width, img.height, cfg.scanTileSide, AUTO_TILE_FROM);
          const found = await timedAsync('scan.ort', 0, () =>
            detectSsd(ssd, img, windows, {
              minScore: cfg.scanMinScore,
              iouThreshold: NMS_IOU,
              maxFaces: cfg.maxFaces * 4,
            }),
          );
          // the known faces' boxes, and each kept scan face's as it is added
          const boxes = known.map((k) => k.box);
          const fresh = freshFaces(found, boxes);
          if (fresh.length === 0) return [];
          const meshed = await meshFaces(
            img,
            fresh.map(ssdSeed),
            runMesh,
            cfg.minMeshScore,
            runIris,
            meshInput,
          );
          const out: FaceDetection[] = [];
          for (const d of meshed) {
            if (!keepNew(d) || freshFaces([d], boxes).length === 0) continue;
            out.push(d);
            boxes.push(d.box);
          }
          return out.slice(0, room);
        })
    : undefined;

  return {
    detect,
    follow,
    ...(scan ? { scan } : {}),
    async close() {
      await queue.close();
      await Promise.all([blaze?.close(), full?.close(), mesh.close(), iris?.close(), ssd?.close()]);
    },
  };
}
