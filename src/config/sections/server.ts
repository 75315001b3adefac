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

export const authTokenSchema = z
  .object({
    token: z
      .string()
      .min(16)
      .max(512)
      .regex(/^[\x21-\x7e]+$/)
      .describe('The secret a client presents (16-512 printable characters, no spaces).'),
    scope: z
      .enum(['read', 'admin'])
      .default('read')
      .describe('read: GET routes and WebSocket subscriptions; admin: also create, upload and delete.'),
  })
  .strict();

export const authSchema = z
  .object({
    tokens: z
      .array(authTokenSchema)
      .max(100)
      .default([])
      .describe(
        'API tokens, sent as `Authorization: Bearer <token>` or `?token=<token>`; empty leaves the API open (allowed on a loopback host only).',
      ),
    publicPaths: z
      .array(
        z
          .string()
          .regex(/^\/[\x21-\x7e]*$/)
          .max(256),
      )
      .max(100)
      .default(['/healthz'])
      .describe(
        'Paths served without a token (exact match; the dashboard page and its static assets always are). Add /metrics for an unauthenticated Prometheus scrape.',
      ),
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
    auth: authSchema.prefault({}).describe('HTTP API and WebSocket authentication.'),
    rtspAllowHosts: z
      .array(z.string().min(1).max(253))
      .max(1000)
      .default(['public'])
      .describe(
        'Hosts that streams created through the API may connect to: `public` (any globally routable address), `*` (anything), an IP, a CIDR (10.0.0.0/8, fd00::/8) or a host name (`cam.lan`, `*.lan`). A name not listed is resolved and every address must be allowed; loopback, private and link-local addresses are refused unless listed.',
      ),
    streams: z
      .array(configuredStreamSchema)
      .max(1000)
      .default([])
      .describe('Streams started with the service.'),
  })
  .strict();

export type ServerConfig = z.infer<typeof serverSchema>;
export type AuthConfig = z.infer<typeof authSchema>;
export type ConfiguredStream = z.infer<typeof configuredStreamSchema>;
