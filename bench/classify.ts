/**
 * Classify benchmark: the batched stage (preprocessing + cross-stream batcher + ORT + routing through the
 * RxJS operator) beside a bare `InferenceSession.run` loop on the same model and threads, at batch 1, 8,
 * 16 and 32; and the mesh estimator's faces/s on real meshes. Uses the shipped bundle
 * (models/au-mobilenet) when present, else the tiny test bundle (said in each result's note).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Subject } from 'rxjs';
import {
  AuBatcher,
  CnnEstimator,
  classifyFaces,
  knownAlignmentTemplates,
  percentile,
} from '../src/classify/index.js';
import { PACKAGE_ROOT } from '../src/config/index.js';
import type { AlignedCrop, FaceObservation, FrameAus, FrameFaces } from '../src/types.js';
import type { BenchResult } from './harness.js';

const THREADS = 2;
const BATCHES = [1, 8, 16, 32];

function pickBundle(model?: string): { dir: string; known: readonly string[]; label: string } {
  if (model) {
    const card = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')) as {
      alignment: string;
      name: string;
    };
    return { dir: model, known: [card.alignment], label: card.name };
  }
  const shipped = join(PACKAGE_ROOT, 'models', 'au-mobilenet');
  if (existsSync(join(shipped, 'model.onnx')))
    return { dir: shipped, known: knownAlignmentTemplates(), label: 'au-mobilenet' };
  const tiny = join(PACKAGE_ROOT, 'test', 'fixtures', 'tiny-bundle');
  const card = JSON.parse(readFileSync(join(tiny, 'model.json'), 'utf8')) as { alignment: string };
  return { dir: tiny, known: [card.alignment], label: 'tiny test bundle (models/au-mobilenet absent)' };
}

function faceOf(
  crop: AlignedCrop,
  streamId: string,
  seq: number,
  mesh = new Float32Array(0),
): FaceObservation {
  const box = { x: 0, y: 0, w: crop.width, h: crop.height };
  return {
    streamId,
    seq,
    ptsMs: seq * 33,
    decodedAt: 0,
    trackId: 1,
    box,
    score: 1,
    mesh,
    detected: true,
    crop,
  };
}

/** Bare ORT: one session, one preallocated input, `run` in a loop for `ms`. Returns faces/s. */
async function bare(s: ort.InferenceSession, size: number, batch: number, ms: number): Promise<number> {
  const data = new Float32Array(batch * 3 * size * size).map((_, i) => ((i * 7919) % 255) / 255 - 0.5);
  const feeds = { [s.inputNames[0]!]: new ort.Tensor('float32', data, [batch, 3, size, size]) };
  await s.run(feeds); // warm-up
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await s.run(feeds);
    n += batch;
  }
  return (n * 1000) / (performance.now() - t0);
}

/**
 * The stage, closed loop: 4 streams (fewer at batch 1) each keep frames of one face in flight so that
 * about 2 batches are always pending; latency is frame in → AuSample out.
 */
async function staged(est: CnnEstimator, crop: AlignedCrop, batch: number, ms: number) {
  const batcher = new AuBatcher(est, { maxBatch: batch, maxWaitMs: 8, maxPendingPerStream: 10_000 });
  const streams = Math.min(4, 2 * batch);
  const window = Math.ceil((2 * batch) / streams);
  const lat: number[] = [];
  let faces = 0;
  let stop = false;
  let t0 = 0;
  const done: Promise<void>[] = [];
  for (let s = 0; s < streams; s++) {
    const input = new Subject<FrameFaces>();
    const sent = new Map<number, number>();
    let seq = 0;
    const send = () => {
      const f = faceOf(crop, `s${s}`, seq);
      sent.set(seq, performance.now());
      input.next({
        streamId: f.streamId,
        seq: seq++,
        ptsMs: 0,
        decodedAt: 0,
        width: 640,
        height: 480,
        faces: [f],
        tracks: [],
      });
    };
    done.push(
      new Promise<void>((resolve, reject) => {
        input.pipe(classifyFaces(batcher)).subscribe({
          next: (out: FrameAus) => {
            const now = performance.now();
            if (t0 && out.samples.length) {
              lat.push(now - sent.get(out.seq)!);
              faces += out.samples.length;
            }
            sent.delete(out.seq);
            if (stop) {
              if (sent.size === 0) input.complete();
            } else send();
          },
          error: reject,
          complete: resolve,
        });
      }),
    );
    for (let i = 0; i < window; i++) send();
  }
  await new Promise((r) => setTimeout(r, Math.min(300, ms / 4))); // warm-up
  t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const elapsed = performance.now() - t0;
  const counted = faces;
  stop = true;
  await Promise.all(done);
  await batcher.close();
  lat.sort((a, b) => a - b);
  return { fps: (counted * 1000) / elapsed, p50: percentile(lat, 0.5), p95: percentile(lat, 0.95) };
}

/** `model`: another bundle folder to measure (default: the shipped one, else the tiny test bundle). */
export async function run(opts: { quick: boolean; model?: string }): Promise<BenchResult[]> {
  const ms = opts.quick ? 2000 : 8000;
  const { dir, known, label } = pickBundle(opts.model);
  const out: BenchResult[] = [];
  for (const batch of BATCHES) {
    const est = await CnnEstimator.open(dir, {
      provider: 'cpu',
      intraOpThreads: THREADS,
      maxBatch: batch,
      knownTemplates: known,
    });
    const size = est.bundle.card.input.size;
    const rgb = new Uint8Array(size * size * 3).map((_, i) => (i * 31) % 256);
    const crop: AlignedCrop = {
      width: size,
      height: size,
      rgb,
      toSource: [1, 0, 0, 0, 1, 0],
      templateId: est.bundle.card.alignment,
    };
    // bare loop on the estimator's own session: same model, same threads, same thread pool
    const session = est.session;
    // bare and staged alternate in short rounds so a change in machine load hits both alike
    const rounds = opts.quick ? 2 : 4;
    let bareFps = 0;
    const st = { fps: 0, p50: 0, p95: 0 };
    for (let r = 0; r < rounds; r++) {
      bareFps += (await bare(session, size, batch, ms / rounds)) / rounds;
      const x = await staged(est, crop, batch, ms / rounds);
      st.fps += x.fps / rounds;
      st.p50 += x.p50 / rounds;
      st.p95 += x.p95 / rounds;
    }
    await est.close();
    const note = `${label}, ${size}x${size}, ${THREADS} threads, batch ${batch}`;
    const shipped = label === 'au-mobilenet';
    out.push(
      {
        name: `classify.stage.faces_per_s.b${batch}`,
        value: st.fps,
        unit: 'faces/s',
        metric: 'throughput: stage (preprocess + batcher + ORT + routing) vs bare InferenceSession.run',
        baseline: bareFps,
        ratio: st.fps / bareFps,
        ...(batch === 16 ? { target: shipped ? '>= 0.9 of bare; >= 150 faces/s' : '>= 0.9 of bare' } : {}),
        note,
      },
      {
        name: `classify.stage.latency_p50_ms.b${batch}`,
        value: st.p50,
        unit: 'ms',
        metric: 'face in → AuSample out',
        note,
      },
      {
        name: `classify.stage.latency_p95_ms.b${batch}`,
        value: st.p95,
        unit: 'ms',
        metric: 'face in → AuSample out',
        note,
      },
    );
  }
  return out;
}
