import { z } from 'zod';

export const sinkSchema = z
  .object({
    nats: z
      .object({
        enabled: z.boolean().default(true).describe('Publish on NATS.'),
        url: z.string().default('').describe('NATS server URL; empty starts an embedded nats-server.'),
        token: z.string().default('').describe('NATS auth token.'),
        user: z.string().default('').describe('NATS user.'),
        pass: z.string().default('').describe('NATS password.'),
        credsFile: z.string().default('').describe('NATS credentials file.'),
        tls: z.boolean().default(false).describe('Require TLS.'),
        subjectPrefix: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/)
          .default('aupipe')
          .describe('Subject prefix.'),
        stream: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/)
          .default('AUPIPE_EVENTS')
          .describe('JetStream stream name.'),
        maxAgeSec: z.number().int().min(1).max(31_536_000).default(3600).describe('JetStream retention age.'),
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .default(256 * 1024 * 1024)
          .describe('JetStream retention size.'),
        outboxMax: z
          .number()
          .int()
          .min(1)
          .max(10_000_000)
          .default(100_000)
          .describe('Buffered events during outages.'),
      })
      .strict()
      .prefault({}),
    ws: z
      .object({
        token: z.string().default('').describe('Token WebSocket clients must present; empty allows all.'),
        maxBufferedBytes: z
          .number()
          .int()
          .min(1024)
          .default(1 << 20)
          .describe('Per-client send buffer bound.'),
        pingIntervalMs: z.number().int().min(1000).default(15_000).describe('Server ping period.'),
      })
      .strict()
      .prefault({}),
  })
  .strict();
