import { createRequire } from 'node:module';
import path from 'node:path';
import type { Config } from '../config/index.js';
import { PACKAGE_ROOT } from '../config/index.js';
import { DetectError } from '../errors.js';
import { serialQueue } from '../serial-queue.js';
import type { Box, FaceDetection, RgbImage } from '../types.js';
import type { FaceDetector } from './detector.js';
import { clampBox } from './face-mesh.js';
import { followFaces, type MeshModel, type MeshTf } from './mesh-follow.js';
import { LOCAL_SCHEME, registerLocalModelLoader } from './model-loader.js';

type DetectCfg = Config['detect'];

/* Minimal structural types for the parts of human we use (its own typings pull in the tfjs-node build). */
interface HumanTensor {
  dispose(): void;
}
interface HumanFace {
  box: [number, number, number, number];
  score: number;
  boxScore: number;
  faceScore: number;
  mesh: number[][];
}
interface HumanResult {
  face: HumanFace[];
  error?: string | null;
}
interface HumanInstance {
  tf: {
    io: { registerLoadRouter(r: (url: string | string[]) => unknown): void };
    tensor(values: Uint8Array | Int32Array, shape: number[], dtype: string): HumanTensor;
  } & MeshTf;
  models: { models: { facemesh?: MeshModel | null } };
  load(): Promise<void>;
  init(): Promise<void>;
  detect(input: HumanTensor, cfg?: Record<string, unknown>): Promise<HumanResult>;
}

const require = createRequire(import.meta.url);
const HUMAN_DIR = path.join(PACKAGE_ROOT, 'node_modules', '@vladmandic', 'human');
const WASM_DIR = path.join(PACKAGE_ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');

function humanConfig(cfg: DetectCfg): Record<string, unknown> {
  const off = { enabled: false };
  return {
    backend: 'wasm',
    // The wasm binaries and models are loaded from the local package folders only.
    wasmPath: `${WASM_DIR}/`,
    wasmPlatformFetch: false,
    modelBasePath: `${LOCAL_SCHEME}${path.join(HUMAN_DIR, 'models')}/`,
    cacheModels: false,
    validateModels: false,
    debug: false,
    async: true,
    warmup: 'none',
    cacheSensitivity: 0,
    filter: { enabled: false },
    gesture: off,
    body: off,
    hand: off,
    object: off,
    segmentation: off,
    face: {
      enabled: true,
      detector: {
        enabled: true,
        modelPath: 'blazeface.json',
        rotation: cfg.rotation,
        maxDetected: cfg.maxFaces,
        minConfidence: cfg.minScore,
        minSize: 0, // human applies it to its raw detector box; the adapter filters the final boxes
        iouThreshold: 0.1,
        skipFrames: 0,
        skipTime: 0,
        return: false,
      },
      mesh: { enabled: true, modelPath: 'facemesh.json', keepInvalid: false },
      iris: { enabled: cfg.iris, modelPath: 'iris.json', skipFrames: 0, skipTime: 0 },
      attention: off,
      emotion: off,
      description: off,
      antispoof: off,
      liveness: off,
      gear: off,
    },
  };
}

function toDetection(f: HumanFace, img: RgbImage): FaceDetection {
  const mesh = new Float32Array(f.mesh.length * 3);
  f.mesh.forEach((p, i) => {
    mesh[i * 3] = p[0] ?? 0;
    mesh[i * 3 + 1] = p[1] ?? 0;
    mesh[i * 3 + 2] = p[2] ?? 0;
  });
  const [x, y, w, h] = f.box;
  const box: Box = clampBox({ x, y, w, h }, img);
  return { box, score: f.score, mesh };
}

let loading: Promise<HumanInstance> | null = null;

/** One Human per process: its face cache is module-global, so more instances would share it anyway. */
function loadHuman(cfg: DetectCfg): Promise<HumanInstance> {
  if (!loading) {
    loading = (async () => {
      const { Human } = require(path.join(HUMAN_DIR, 'dist', 'human.node-wasm.js')) as {
        Human: new (c: Record<string, unknown>) => HumanInstance;
      };
      const human = new Human(humanConfig(cfg));
      registerLocalModelLoader(human.tf.io);
      const events = ['uncaughtException', 'unhandledRejection'];
      const before = events.map((e) => new Set<unknown>(process.listeners(e as 'uncaughtException')));
      await human.init();
      await human.load();
      // The emscripten glue of tfjs-backend-wasm installs process handlers that rethrow every error from
      // its own minified line, so any later crash anywhere prints ~30 kB of wasm glue: take them off.
      events.forEach((e, i) => {
        const ev = e as 'uncaughtException';
        for (const l of process.listeners(ev)) if (!before[i]!.has(l)) process.removeListener(ev, l);
      });
      return human;
    })().catch((e: unknown) => {
      loading = null;
      throw new DetectError('DETECTOR_LOAD_FAILED', `face detector failed to load: ${String(e)}`, {
        cause: e,
      });
    });
  }
  return loading;
}

/**
 * FaceDetector on @vladmandic/human (blazeface + facemesh, + iris for 478 points) on tfjs-wasm.
 * Calls are serialised (one wasm thread). `follow` runs only the mesh model around the given faces
 * (mesh-follow.ts); with the iris model on it runs the full detector, since the follow pass has no iris.
 */
export async function createHumanDetector(cfg: DetectCfg): Promise<FaceDetector> {
  const human = await loadHuman(cfg);
  const base = humanConfig(cfg);
  const meshModel = human.models.models.facemesh;
  if (!meshModel) throw new DetectError('DETECTOR_LOAD_FAILED', 'face mesh model did not load');
  const queue = serialQueue(() => new DetectError('DETECTOR_CLOSED', 'face detector is closed'));

  const keep = (d: FaceDetection) =>
    d.box.w >= cfg.minFaceSize && d.box.h >= cfg.minFaceSize && d.score >= cfg.minScore;

  const detect = (img: RgbImage) =>
    queue.run(async () => {
      const t = human.tf.tensor(img.rgb, [1, img.height, img.width, 3], 'int32');
      try {
        const res = await human.detect(t, base);
        if (res.error) throw new DetectError('DETECT_FAILED', `face detection failed: ${res.error}`);
        return res.face
          .map((f) => toDetection(f, img))
          .filter(keep)
          .slice(0, cfg.maxFaces);
      } finally {
        t.dispose();
      }
    });

  const follow = (img: RgbImage, previous: readonly FaceDetection[]) =>
    cfg.iris
      ? detect(img)
      : queue.run(async () =>
          (
            await followFaces(human.tf, meshModel, img, previous, {
              minScore: cfg.minScore,
              rotation: cfg.rotation,
            })
          ).filter(keep),
        );

  return {
    detect,
    follow,
    close: () => queue.close(),
  };
}
