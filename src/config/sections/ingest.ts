import { z } from 'zod';

export const ingestSchema = z
  .object({
    width: z.number().int().min(64).max(3840).default(640).describe('Decoded frame width in pixels.'),
    height: z.number().int().min(64).max(2160).default(480).describe('Decoded frame height in pixels.'),
    fps: z
      .number()
      .min(0.5)
      .max(60)
      .default(10)
      .describe('Analysis frame rate: frames per second handed to the pipeline.'),
    realtime: z
      .boolean()
      .default(false)
      .describe('Read files at their native speed (ffmpeg -re), as a live camera would deliver them.'),
    loop: z.boolean().default(false).describe('Loop a file source forever (demo streams).'),
    decodeThreads: z
      .number()
      .int()
      .min(0)
      .max(64)
      .default(1)
      .describe(
        "ffmpeg's decoding threads per source (0: ffmpeg's own choice, frame threads by core count). 1: each stream decodes on one thread, which on 2 cores with 8 streams took 13% less ffmpeg time than ffmpeg's choice and adds no frame-threading delay (about 2 frames); raise it for sources one thread cannot decode in real time (4K).",
      ),
    poolSize: z
      .number()
      .int()
      .min(2)
      .max(256)
      .default(8)
      .describe(
        'Frame buffers per stream; when all are in use, decoding waits (files) or frames are dropped (live).',
      ),
    rtspTransport: z.enum(['tcp', 'udp']).default('tcp').describe('RTSP transport.'),
    stallTimeoutMs: z
      .number()
      .int()
      .min(500)
      .max(120_000)
      .default(5000)
      .describe('A live source that delivers no frame for this long is killed and reconnected.'),
    connectTimeoutMs: z
      .number()
      .int()
      .min(500)
      .max(120_000)
      .default(10_000)
      .describe(
        'A live connection that yields no first frame within this long (handshake plus first keyframe) is retried.',
      ),
    reconnect: z
      .object({
        initialMs: z.number().int().min(50).max(60_000).default(500).describe('First reconnect delay.'),
        maxMs: z.number().int().min(100).max(600_000).default(30_000).describe('Largest reconnect delay.'),
        factor: z.number().min(1).max(10).default(2).describe('Backoff multiplier per failed attempt.'),
        jitter: z
          .number()
          .min(0)
          .max(1)
          .default(0.2)
          .describe('Random fraction added to or taken from each delay.'),
        maxAttempts: z
          .number()
          .int()
          .min(0)
          .max(1_000_000)
          .default(0)
          .describe('Once live, give up after this many consecutive failed reconnect attempts (0: never).'),
        connectAttempts: z
          .number()
          .int()
          .min(0)
          .max(1_000_000)
          .default(3)
          .describe(
            'Tries before a live source first delivers a frame; a wrong URL fails fast (0: never give up).',
          ),
      })
      .strict()
      .prefault({})
      .describe('Reconnect policy for live sources.'),
  })
  .strict();
