import { z } from 'zod';
import { attentionSchema } from './sections/attention.js';
import { browserSchema } from './sections/browser.js';
import { classifySchema } from './sections/classify.js';
import { clusterSchema } from './sections/cluster.js';
import { detectSchema } from './sections/detect.js';
import { emotionSchema } from './sections/emotion.js';
import { ingestSchema } from './sections/ingest.js';
import { roomsSchema } from './sections/rooms.js';
import { serverSchema } from './sections/server.js';
import { sinkSchema } from './sections/sink.js';

/** The one config schema: every field has a description, a default and bounds; unknown keys fail. */
export const configSchema = z
  .object({
    logLevel: z
      .enum(['debug', 'info', 'warn', 'error', 'silent'])
      .default('info')
      .describe('Log level on stderr.'),
    ingest: ingestSchema.prefault({}),
    detect: detectSchema.prefault({}),
    classify: classifySchema.prefault({}),
    emotion: emotionSchema.prefault({}),
    attention: attentionSchema.prefault({}),
    rooms: roomsSchema.prefault({}),
    sink: sinkSchema.prefault({}),
    server: serverSchema.prefault({}),
    browser: browserSchema.prefault({}),
    cluster: clusterSchema.prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
