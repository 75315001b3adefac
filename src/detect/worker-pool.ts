/**
 * A FaceDetector that spreads calls over worker threads, each with its own detector: tfjs-wasm runs one
 * thread per instance, so this is how several streams use more than one core. Follow is stateless, so
 * any worker may serve any call; each call goes to the worker with the fewest calls in flight.
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/index.js';
import { DetectError } from '../errors.js';
import type { FaceDetection, RgbImage } from '../types.js';
import type { FaceDetector } from './detector.js';
import type { DetectReply, DetectRequest } from './worker-protocol.js';

interface Slot {
  readonly worker: Worker;
  inflight: number;
}

type Pending = { resolve: (f: FaceDetection[]) => void; reject: (e: unknown) => void };

function startWorker(cfg: Config['detect'], pending: Map<number, Pending>): Promise<Worker> {
  // The worker runs TypeScript through tsx's loader, like the CLI (worker-boot.mjs registers it).
  const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: cfg });
  return new Promise((resolve, reject) => {
    worker.once('error', (e) =>
      reject(
        new DetectError('DETECTOR_LOAD_FAILED', `detector worker failed to start: ${e.message}`, {
          cause: e,
        }),
      ),
    );
    worker.on('message', (msg: DetectReply | 'ready') => {
      if (msg === 'ready') return resolve(worker);
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if ('error' in msg) p.reject(new DetectError(msg.error.code ?? 'DETECT_FAILED', msg.error.message));
      else p.resolve(msg.faces);
    });
  });
}

export async function createWorkerDetector(cfg: Config['detect'], workers: number): Promise<FaceDetector> {
  const pending = new Map<number, Pending>();
  const slots: Slot[] = (
    await Promise.all(Array.from({ length: workers }, () => startWorker(cfg, pending)))
  ).map((worker) => ({ worker, inflight: 0 }));
  for (const s of slots) {
    s.worker.on('error', (e) => {
      for (const p of pending.values())
        p.reject(new DetectError('DETECTOR_CRASHED', `detector worker failed: ${e.message}`));
      pending.clear();
    });
  }
  let nextId = 1;
  let closed = false;
  const call = (op: DetectRequest['op'], img: RgbImage, previous?: readonly FaceDetection[]) => {
    if (closed) return Promise.reject(new DetectError('DETECTOR_CLOSED', 'face detector is closed'));
    const slot = slots.reduce((a, b) => (b.inflight < a.inflight ? b : a));
    const id = nextId++;
    // A frame of the ingest pool lives in a SharedArrayBuffer: the worker reads it in place (the frame is released
    // only after this call settles). Any other image is copied into a buffer the worker then owns.
    const shared = img.rgb.buffer instanceof SharedArrayBuffer;
    const rgb = shared ? img.rgb : new Uint8Array(img.rgb);
    const req: DetectRequest = {
      id,
      op,
      width: img.width,
      height: img.height,
      rgb,
      ...(previous ? { previous } : {}),
    };
    slot.inflight++;
    return new Promise<FaceDetection[]>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      slot.worker.postMessage(req, shared ? [] : [rgb.buffer as ArrayBuffer]);
    }).finally(() => {
      slot.inflight--;
    });
  };
  return {
    detect: (img) => call('detect', img),
    follow: (img, previous) => call('follow', img, previous),
    // every worker runs the same config: each has the scan when the config asks for one
    ...(cfg.scanEvery > 0 && cfg.backend === 'onnx'
      ? { scan: (img: RgbImage, known: readonly FaceDetection[]) => call('scan', img, known) }
      : {}),
    async close() {
      closed = true;
      await Promise.all(
        slots.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.worker.once('exit', () => resolve());
              s.worker.postMessage('close');
              setTimeout(() => void s.worker.terminate(), 2000).unref();
            }),
        ),
      );
    },
  };
}
