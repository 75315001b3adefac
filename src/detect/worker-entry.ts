/**
 * Worker side of the detector pool: one detector (onnx or tfjs runtime) per worker thread, answering
 * detect/follow requests from the main thread (see worker-pool.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/index.js';
import { DetectError } from '../errors.js';
import { createLocalDetector } from './create.js';
import type { DetectReply, DetectRequest } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('worker-entry.ts runs only as a worker thread');
const detector = await createLocalDetector(workerData as Config['detect']);
// The first calls compile kernels / plan memory (hundreds of ms on wasm): pay that before the first frame.
await detector.detect({ width: 320, height: 240, rgb: new Uint8Array(320 * 240 * 3).fill(128) });
port.on('message', async (req: DetectRequest | 'close') => {
  if (req === 'close') {
    await detector.close();
    port.close();
    return;
  }
  const img = { width: req.width, height: req.height, rgb: req.rgb };
  try {
    const faces =
      req.op === 'follow' && detector.follow
        ? await detector.follow(img, req.previous ?? [])
        : req.op === 'scan'
          ? ((await detector.scan?.(img, req.previous ?? [])) ?? [])
          : await detector.detect(img);
    port.postMessage(
      { id: req.id, faces } satisfies DetectReply,
      faces.map((f) => f.mesh.buffer as ArrayBuffer),
    );
  } catch (e) {
    // the detectors throw DetectErrors; anything else crosses as DETECT_FAILED
    const err = e as { message?: string; code?: string };
    const code = e instanceof DetectError ? e.code : undefined;
    port.postMessage({
      id: req.id,
      error: { message: String(err.message ?? e), ...(code ? { code } : {}) },
    } satisfies DetectReply);
  }
});
port.postMessage('ready');
