/**
 * Side by side with a peer on the same frames: @vladmandic/human (face detector + mesh + iris + its
 * emotion model, its documented Node usage on tfjs-wasm, with its own frame caching left on) against
 * our detect → track → classify (12 AUs) → emotion stages. Both get the same decoded RGB frames.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { from, lastValueFrom, tap } from 'rxjs';
import { classifyFaces } from '../src/classify/index.js';
import { createPipelineDeps } from '../src/compose.js';
import { PACKAGE_ROOT } from '../src/config/index.js';
import { detectAndTrack, LOCAL_SCHEME, registerLocalModelLoader } from '../src/detect/index.js';
import { emotionStage } from '../src/emotion/index.js';
import type { Frame } from '../src/types.js';
import { benchConfig } from './e2e-lib.js';
import { type BenchOptions, type BenchResult, median } from './harness.js';

const WARMUP = 5;
/** Alternating peer / aupipe rounds; the ratio is of the medians. */
const ROUNDS = 3;
const W = 640;
const H = 480;

/** Decodes `n` frames at `fps` into memory once, so both contenders see identical pixels. */
export function decodeFrames(file: string, fps: number, n: number): Uint8Array[] {
  const raw = execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-i',
      file,
      '-vf',
      `fps=${fps},scale=${W}:${H}`,
      '-frames:v',
      String(n),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { maxBuffer: 1 << 30 },
  );
  const size = W * H * 3;
  return Array.from(
    { length: Math.floor(raw.length / size) },
    (_, i) => new Uint8Array(raw.buffer, raw.byteOffset + i * size, size),
  );
}

interface PeerHuman {
  tf: {
    tensor(v: Uint8Array, s: number[], d: string): { dispose(): void };
    io: { registerLoadRouter(r: unknown): void };
  };
  init(): Promise<void>;
  load(): Promise<void>;
  detect(t: unknown): Promise<{ face: { emotion?: { score: number; emotion: string }[] }[] }>;
}

/** The peer, loaded and warmed up once (kernels compiled on the first frames, not timed). */
async function peerHuman(frames: readonly Uint8Array[]): Promise<PeerHuman> {
  const dir = path.join(PACKAGE_ROOT, 'node_modules', '@vladmandic', 'human');
  const { Human } = createRequire(import.meta.url)(path.join(dir, 'dist', 'human.node-wasm.js')) as {
    Human: new (c: unknown) => PeerHuman;
  };
  const off = { enabled: false };
  const human = new Human({
    backend: 'wasm',
    wasmPath: `${path.join(PACKAGE_ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')}/`,
    wasmPlatformFetch: false,
    modelBasePath: `${LOCAL_SCHEME}${path.join(dir, 'models')}/`,
    debug: false,
    body: off,
    hand: off,
    object: off,
    gesture: off,
    segmentation: off,
    face: {
      enabled: true,
      detector: { maxDetected: 20 },
      mesh: { enabled: true },
      iris: { enabled: true },
      emotion: { enabled: true },
      description: off,
      antispoof: off,
      liveness: off,
      attention: off,
    },
  });
  registerLocalModelLoader(human.tf.io as Parameters<typeof registerLocalModelLoader>[0]);
  await human.init();
  await human.load();
  // warm-up (first calls compile kernels), not timed; both contenders get the same treatment
  for (const rgb of frames.slice(0, WARMUP)) {
    const t = human.tf.tensor(rgb, [1, H, W, 3], 'int32');
    await human.detect(t);
    t.dispose();
  }
  return human;
}

async function peer(
  human: PeerHuman,
  frames: readonly Uint8Array[],
): Promise<{ faces: number; seconds: number }> {
  let faces = 0;
  const t0 = performance.now();
  for (const rgb of frames) {
    const t = human.tf.tensor(rgb, [1, H, W, 3], 'int32');
    const res = await human.detect(t);
    t.dispose();
    faces += res.face.filter((f) => (f.emotion?.length ?? 0) > 0).length;
  }
  return { faces, seconds: (performance.now() - t0) / 1000 };
}

export async function ours(
  frames: readonly Uint8Array[],
  fps: number,
  backend: 'onnx' | 'tfjs' = 'onnx',
): Promise<{ faces: number; seconds: number }> {
  const config = benchConfig({ ingest: { fps }, detect: { backend } });
  const deps = await createPipelineDeps(config);
  try {
    const toFrame = (rgb: Uint8Array, seq: number): Frame => ({
      streamId: 'peer',
      seq,
      ptsMs: (seq * 1000) / fps,
      width: W,
      height: H,
      rgb,
      decodedAt: Date.now(),
      release: () => {},
    });
    // warm-up on a separate stream of the first frames, not timed
    await lastValueFrom(
      from(frames.slice(0, WARMUP).map(toFrame)).pipe(
        detectAndTrack(deps.detector, config.detect),
        classifyFaces(deps.batcher),
      ),
      { defaultValue: null },
    );
    let faces = 0;
    const t0 = performance.now();
    const input = frames.map(toFrame);
    await lastValueFrom(
      from(input).pipe(
        detectAndTrack(deps.detector, config.detect),
        classifyFaces(deps.batcher),
        // count on the way through: a second subscription would run the whole cold pipeline twice
        tap((f) => {
          faces += f.samples.length;
        }),
        emotionStage(config.emotion, deps.rules),
      ),
      { defaultValue: null },
    );
    return { faces, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await deps.close();
  }
}

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const fps = 10;
  for (const [label, file] of [
    ['1face', 'assets/sample.mp4'],
    ['4faces', 'assets/sample-4faces.mp4'],
  ] as const) {
    const frames = decodeFrames(file, fps, opts.quick ? 30 : 100);
    // The peer loads first: a Human created after ours (which has no emotion model) fails to run emotion.
    const human = await peerHuman(frames);
    const peerRates: number[] = [];
    const ourRates: number[] = [];
    let them = { faces: 0, seconds: 0 };
    let us = { faces: 0, seconds: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      them = await peer(human, frames);
      us = await ours(frames, fps);
      peerRates.push(them.faces / them.seconds);
      ourRates.push(us.faces / us.seconds);
      console.error(
        `peer ${label} round ${r + 1}: human ${peerRates[r]!.toFixed(1)} faces/s, aupipe ${ourRates[r]!.toFixed(1)} faces/s ` +
          `(${(ourRates[r]! / peerRates[r]!).toFixed(2)}x); load ${os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(' ')}`,
      );
    }
    // the same pipeline with the detector on tfjs-wasm (as before the ONNX detector), for the record; one run
    const usTfjs = await ours(frames, fps, 'tfjs');
    const ourRate = median(ourRates);
    const tfjsRate = usTfjs.faces / usTfjs.seconds;
    const peerRate = median(peerRates);
    results.push(
      {
        name: `peer.${label}.human_faces_per_s`,
        value: peerRate,
        unit: 'faces/s',
        note: `human ${them.faces} faces (mesh+iris+emotion), median of ${ROUNDS} rounds`,
      },
      {
        name: `peer.${label}.aupipe_faces_per_s`,
        value: ourRate,
        unit: 'faces/s',
        baseline: peerRate,
        ratio: ourRate / peerRate,
        target: 'ratio >= 3',
        note: `aupipe ${us.faces} faces (12 AUs + emotions), ${frames.length} frames, median of ${ROUNDS} alternating rounds, detect.workers ${benchConfig({}).detect.workers}`,
      },
      {
        name: `peer.${label}.aupipe_tfjs_detector_faces_per_s`,
        value: tfjsRate,
        unit: 'faces/s',
        baseline: peerRate,
        ratio: tfjsRate / peerRate,
        note: `aupipe with detect.backend=tfjs, ${usTfjs.faces} faces`,
      },
    );
  }
  return results;
}
