import { z } from 'zod';

export const streamIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

export const configuredStreamSchema = z
  .object({
    id: z
      .string()
      .regex(streamIdPattern)
      .optional()
      .describe('Stream id (letters, digits, _ and -); generated when absent.'),
    url: z.string().min(1).describe('A video file path or an rtsp:// / rtsps:// URL.'),
    loop: z.boolean().default(false).describe('Loop a file source forever.'),
  })
  .strict();

export const serverSchema = z
  .object({
    host: z.string().default('127.0.0.1').describe('HTTP listen address.'),
    port: z.number().int().min(0).max(65_535).default(8080).describe('HTTP listen port (0: any free port).'),
    maxUploadBytes: z
      .number()
      .int()
      .min(1024)
      .default(512 * 1024 * 1024)
      .describe('Largest accepted upload.'),
    dataDir: z.string().default('.state').describe('Folder for uploads, NATS data and other state.'),
    maxStreams: z.number().int().min(1).max(1000).default(32).describe('Most streams running at once.'),
    streams: z
      .array(configuredStreamSchema)
      .max(1000)
      .default([])
      .describe('Streams started with the service.'),
  })
  .strict();

export type ServerConfig = z.infer<typeof serverSchema>;
export type ConfiguredStream = z.infer<typeof configuredStreamSchema>;
