/**
 * The model-time limit of the e2e bench: the same ONNX models the default config runs (the detector
 * `detect.range` selects, facemesh, iris when on, the lip and expression crop nets), opened with the same session
 * options, run bare on ORT (no JavaScript pipeline around them) at the pipeline's schedule for `faces` faces: the
 * detector on every `detect.every`-th frame, the mesh on every face of every frame, the crop nets on the detected
 * frames only (`classify.cropModelsOnDetections`, else every frame), one run after the other as the pipeline's
 * serial queues do. Inputs are built once before timing (the detector's from the frames themselves; the mesh and
 * crop inputs from the frame's pixels). Values matter: with ONNX Runtime's PRelu kernel facemesh took 1.4 ms on a
 * constant input and 4.2 ms on noise; the converted graphs no longer use it (docs/performance.md).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Config, PACKAGE_ROOT } from '../src/config/index.js';
import {
  BLAZE_INPUT,
  detectWindows,
  FULL_INPUT,
  shortRangeWindow,
  windowTransform,
  writeDetectorInput,
} from '../src/detect/index.js';
import { openOrtSession, ort } from '../src/runtime/index.js';

const MESH = 192;
const IRIS = 64;

export interface ModelLimit {
  readonly frames: number;
  /** Bare model time per frame, ms, by model and in all. */
  readonly msPerFrame: Readonly<Record<string, number>> & { readonly total: number };
  /** Frames/s the models alone allow on one core (1000 / total). */
  readonly fps: number;
}

type Session = ort.InferenceSession;

async function open(file: string, cfg: { provider: Config['detect']['provider']; threads: number }) {
  return (
    await openOrtSession(readFileSync(file), {
      provider: cfg.provider,
      intraOpThreads: cfg.threads,
    })
  ).session;
}

function cropSize(dir: string): number {
  const card = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { input: { size: number } };
  return card.input.size;
}

/** `n` values taken cyclically from the frame's bytes, scaled to [0, 1]. */
function fill(rgb: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rgb[i % rgb.length]! / 255;
  return out;
}

/** Bare ORT time over `frames` (RGB, `width`×`height`) at the pipeline's schedule for `faces` faces. */
export async function modelLimit(
  config: Config,
  frames: readonly Uint8Array[],
  width: number,
  height: number,
  faces = 1,
): Promise<ModelLimit> {
  const d = config.detect;
  const c = config.classify;
  const dOpts = { provider: d.provider, threads: 1 }; // the detector's sessions: one intra-op thread
  const cOpts = { provider: c.provider, threads: c.intraOpThreads };
  const dir = path.join(PACKAGE_ROOT, 'models', 'detect');
  const root = (p: string) => (path.isAbsolute(p) ? p : path.join(PACKAGE_ROOT, p));
  const sessions: Record<string, Session> = {
    // the detector detect.range selects: auto and full run the full-range model on the letterboxed frame (auto's
    // native tiles start at frames of two tiles, and its short-range fallback runs only when no face is found)
    detector: await open(
      path.join(dir, d.range === 'short' ? 'blazeface.onnx' : 'blazeface-full.onnx'),
      dOpts,
    ),
    mesh: await open(path.join(dir, 'facemesh.onnx'), dOpts),
    ...(d.iris ? { iris: await open(path.join(dir, 'iris.onnx'), dOpts) } : {}),
  };
  const cropNets: [string, string][] = [];
  if (c.estimator !== 'cnn') {
    if (c.lipModel) cropNets.push(['lips', root(c.lipModel)]);
    if (c.expressionModel) cropNets.push(['expressions', root(c.expressionModel)]);
  }
  const cropIn: Record<string, number> = {};
  for (const [k, p] of cropNets) {
    sessions[k] = await open(path.join(p, 'model.onnx'), cOpts);
    cropIn[k] = cropSize(p);
  }
  try {
    const feed = (s: Session, data: Float32Array, dims: number[]) => ({
      [s.inputNames[0] as string]: new ort.Tensor('float32', data, dims),
    });
    // inputs, built before timing
    // the detector's own input: the frame squashed (short) or letterboxed (full), as `createMeshDetector` makes it
    const range = d.range === 'short' ? 'short' : 'full';
    const side = range === 'short' ? BLAZE_INPUT : FULL_INPUT;
    const toSource =
      range === 'short'
        ? shortRangeWindow(width, height)
        : windowTransform(detectWindows(width, height, 0)[0]!);
    const blazeIn = frames.map((rgb) => {
      const x = new Float32Array(side * side * 3);
      writeDetectorInput({ width, height, rgb }, range, toSource, x, 0);
      return x;
    });
    const first = frames[0]!;
    const meshIn = fill(first, faces * MESH * MESH * 3);
    const irisIn = fill(first, 2 * faces * IRIS * IRIS * 3);
    const cropData = Object.fromEntries(cropNets.map(([k]) => [k, fill(first, faces * 3 * cropIn[k]! ** 2)]));
    const ms: Record<string, number> = Object.fromEntries(Object.keys(sessions).map((k) => [k, 0]));
    const run = async (k: string, data: Float32Array, dims: number[]) => {
      const s = sessions[k]!;
      const t0 = performance.now();
      await s.run(feed(s, data, dims));
      ms[k]! += performance.now() - t0;
    };
    const pass = async (count: boolean) => {
      const saved = { ...ms };
      for (let i = 0; i < frames.length; i++) {
        const detected = i % d.every === 0;
        if (detected) await run('detector', blazeIn[i]!, [1, side, side, 3]);
        await run('mesh', meshIn, [faces, MESH, MESH, 3]);
        if (d.iris) await run('iris', irisIn, [2 * faces, IRIS, IRIS, 3]);
        if (detected || !c.cropModelsOnDetections)
          for (const [k] of cropNets) {
            const n = cropIn[k]!;
            await run(k, cropData[k]!, [faces, 3, n, n]);
          }
      }
      if (!count) Object.assign(ms, saved);
    };
    await pass(false); // warm-up
    await pass(true);
    const per = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v / frames.length]));
    const total = Object.values(per).reduce((a, b) => a + b, 0);
    return { frames: frames.length, msPerFrame: { ...per, total }, fps: 1000 / total };
  } finally {
    await Promise.all(Object.values(sessions).map((s) => s.release()));
  }
}
