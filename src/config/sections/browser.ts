import { z } from 'zod';

/**
 * The browser client (`/student`, src/client) and its ingest endpoint (`/ingest`): what the page analyses and
 * sends, and the limits the server holds every client to.
 */
export const browserSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('Serve the student page, the client bundle, its models and the /ingest WebSocket.'),
    fps: z
      .number()
      .min(1)
      .max(60)
      .default(15)
      .describe(
        'Frames per second the client grabs from the camera; a frame due while one is analysed is dropped.',
      ),
    detectEvery: z
      .number()
      .int()
      .min(1)
      .max(120)
      .default(10)
      .describe(
        'detect.every in the page: the face detector runs on every n-th frame (and at cuts), the mesh follows the face in between. One student face needs it less often than a classroom camera, and it is the costliest model on WASM.',
      ),
    auRateHz: z
      .number()
      .min(0.2)
      .max(30)
      .default(2)
      .describe('AU samples per second per face the client sends (events are always sent).'),
    attentionRateHz: z
      .number()
      .min(0.2)
      .max(30)
      .default(1)
      .describe(
        'Of the AU samples sent, how many per second per face carry their attention reading (the others go without it; attention events are computed on the device and always sent). Halves the bytes per student at the defaults; room aggregates keep the latest reading.',
      ),
    summaryIntervalMs: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(5000)
      .describe(
        'emotion.summaryIntervalMs in the page (0: none): per-track AU summaries over all analysed frames. Longer than the server default because the page also sends AU samples; keeps a student under 2 KB/s.',
      ),
    threads: z
      .number()
      .int()
      .min(0)
      .max(16)
      .default(2)
      .describe(
        'ONNX Runtime Web WASM threads in the page (0: its default; threads need the isolation headers the server sends).',
      ),
    providers: z
      .enum(['wasm', 'webgpu,wasm'])
      .default('wasm')
      .describe(
        'ONNX Runtime Web execution providers in order of preference (webgpu,wasm: WebGPU where the browser has it).',
      ),
    bundleDir: z
      .string()
      .default('dist/client')
      .describe('Folder of the built client bundle (npm run build:client), relative to the package.'),
    maxMessageBytes: z
      .number()
      .int()
      .min(512)
      .max(65_536)
      .default(4096)
      .describe('Largest ingest message; a larger one closes the connection (4413).'),
    maxMessagesPerSec: z
      .number()
      .min(1)
      .max(1000)
      .default(60)
      .describe('Sustained messages per second per client (bursts up to twice that); more closes it (4429).'),
  })
  .strict();
