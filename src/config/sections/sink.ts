import { z } from 'zod';

const token = /^[A-Za-z0-9_-]+$/;

export const sinkSchema = z
  .object({
    nats: z
      .object({
        enabled: z.boolean().default(true).describe('Publish on NATS.'),
        url: z
          .string()
          .default('')
          .describe('NATS server URL(s), comma-separated; empty starts an embedded nats-server.'),
        token: z.string().default('').describe('NATS auth token.'),
        user: z.string().default('').describe('NATS user.'),
        pass: z.string().default('').describe('NATS password.'),
        credsFile: z.string().default('').describe('NATS credentials file (JWT + nkey seed).'),
        tls: z.boolean().default(false).describe('Require TLS.'),
        caFile: z.string().default('').describe('TLS: CA certificate file to trust.'),
        certFile: z.string().default('').describe('TLS: client certificate file.'),
        keyFile: z.string().default('').describe('TLS: client key file.'),
        subjectPrefix: z.string().regex(token).default('aupipe').describe('Subject prefix.'),
        stream: z.string().regex(token).default('AUPIPE_EVENTS').describe('JetStream stream name.'),
        replicas: z
          .number()
          .int()
          .min(1)
          .max(5)
          .default(1)
          .describe('JetStream replicas of the events stream (3 on a 3-node NATS cluster).'),
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
          .describe('Messages buffered while the broker is away; beyond it AU samples are dropped first.'),
        reconnectWaitMs: z
          .number()
          .int()
          .min(50)
          .max(60_000)
          .default(500)
          .describe('Wait between reconnect attempts to the broker.'),
        flushTimeoutMs: z
          .number()
          .int()
          .min(0)
          .max(600_000)
          .default(5000)
          .describe(
            'At shutdown, how long to keep trying to deliver what is buffered (the broker may be gone); what is left is reported and a run exits 1 when events were among it.',
          ),
        serverBin: z
          .string()
          .default('')
          .describe(
            'Path of the nats-server binary for the embedded broker; empty searches PATH and /usr/sbin.',
          ),
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
          .describe(
            'Per-client send buffer bound; AU samples are dropped past half of it, the client cut past it.',
          ),
        pingIntervalMs: z
          .number()
          .int()
          .min(100)
          .max(600_000)
          .default(15_000)
          .describe('Server ping period; a client that misses a pong by the next ping is dropped.'),
        stallMs: z
          .number()
          .int()
          .min(100)
          .max(600_000)
          .default(10_000)
          .describe('A client whose send buffer stays over half the bound this long is disconnected.'),
        replay: z
          .number()
          .int()
          .min(0)
          .max(10_000)
          .default(200)
          .describe(
            'Recent emotion/status/engagement messages per stream sent to a client when it subscribes.',
          ),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type SinkConfig = z.infer<typeof sinkSchema>;
