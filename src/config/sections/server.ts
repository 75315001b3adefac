import { z } from 'zod';

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
  })
  .strict();
