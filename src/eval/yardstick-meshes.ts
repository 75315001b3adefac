/**
 * Re-detects every yardstick face with the configured detector and writes the mesh fixture the
 * yardstick report scores (test/fixtures/meshes/real-faces.json), keeping the peers' outputs recorded
 * there. Each labelled face is found in a window of twice its box around it (so ~100 px thumbnail faces
 * reach the detector at a usable scale), taking the detection closest to the labelled box.
 *
 *   npx tsx src/eval/yardstick-meshes.ts [--backend onnx|tfjs] [--iris] [--out FILE]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type Config, configSchema } from '../config/index.js';
import { boxOf, loadYardstick, resolveImage } from '../dataset/index.js';
import { createFaceDetector, cropRegion, iou, shiftDetection } from '../detect/index.js';
import { decodeImage } from '../ingest/index.js';
import type { FaceDetection, RgbImage } from '../types.js';
import { MESH_FIXTURE } from './yardstick-report.js';

interface Fixture {
  version: number;
  detector: string;
  faces: { id: string; mesh: number[]; peers?: unknown }[];
}

/** One re-detected yardstick face: its id and the detector's mesh (image pixels, rounded to 0.01). */
export interface RedetectedFace {
  readonly id: string;
  readonly mesh: number[];
}

/**
 * Re-detects every yardstick face with `cfg`, each in a window of twice its labelled box, taking the detection
 * that overlaps that box most (IoU ≥ 0.2); faces with none are `missed`.
 */
export async function redetectYardstick(
  cfg: Config['detect'],
): Promise<{ faces: RedetectedFace[]; missed: string[] }> {
  const y = await loadYardstick();
  const detector = await createFaceDetector(cfg);
  const images = new Map<string, RgbImage>();
  const faces: RedetectedFace[] = [];
  const missed: string[] = [];
  try {
    for (const f of y.faces) {
      let img = images.get(f.image);
      if (!img) {
        img = await decodeImage(resolveImage(f.image));
        images.set(f.image, img);
      }
      const b = boxOf(f);
      const side = Math.max(b.w, b.h) * 2;
      const x0 = Math.max(0, Math.round(b.x + b.w / 2 - side / 2));
      const y0 = Math.max(0, Math.round(b.y + b.h / 2 - side / 2));
      const w = Math.min(img.width - x0, Math.round(side));
      const h = Math.min(img.height - y0, Math.round(side));
      const found = (await detector.detect(cropRegion(img, x0, y0, w, h))).map((d) =>
        shiftDetection(d, x0, y0),
      );
      const best = found.reduce<FaceDetection | null>(
        (a, d) => (!a || iou(d.box, b) > iou(a.box, b) ? d : a),
        null,
      );
      if (!best || iou(best.box, b) < 0.2) missed.push(f.id);
      else faces.push({ id: f.id, mesh: Array.from(best.mesh, (v) => Math.round(v * 100) / 100) });
    }
  } finally {
    await detector.close();
  }
  return { faces, missed };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'onnx' },
      iris: { type: 'boolean', default: false },
      out: { type: 'string', default: MESH_FIXTURE },
    },
  });
  const cfg = configSchema.parse({ detect: { backend: values.backend, iris: values.iris } }).detect;
  const old = JSON.parse(await readFile(MESH_FIXTURE, 'utf8')) as Fixture;
  const peers = new Map(old.faces.map((f) => [f.id, f.peers]));
  const { faces, missed } = await redetectYardstick(cfg);
  const n = faces.length + missed.length;
  const name =
    cfg.backend === 'onnx'
      ? `aupipe onnx blazeface+facemesh${cfg.iris ? '+iris' : ''} (models/detect, from @vladmandic/human 3.3.6)`
      : `@vladmandic/human 3.3.6 blazeface+facemesh${cfg.iris ? '+iris' : ''} (wasm)`;
  const out = faces.map((f) => ({ ...f, ...(peers.get(f.id) ? { peers: peers.get(f.id) } : {}) }));
  await writeFile(values.out, `${JSON.stringify({ version: old.version, detector: name, faces: out })}\n`);
  console.log(`${faces.length}/${n} faces written to ${values.out}; missed: ${missed.join(', ') || 'none'}`);
}
