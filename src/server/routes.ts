import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type {} from '@fastify/multipart';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AupipeError } from '../errors.js';
import { parseSource } from '../ingest/index.js';
import type { Metrics } from './metrics.js';
import type { RoomRegistry } from './rooms.js';
import type { StreamManager } from './stream-manager.js';
import { checkVideo, storeUpload, UploadError } from './uploads.js';

export interface RouteDeps {
  readonly manager: StreamManager;
  /** Rooms: a stream created with `room` joins it (created if new); a deleted stream leaves it. */
  readonly rooms?: RoomRegistry;
  readonly metrics: Metrics;
  readonly dataDir: string;
  readonly maxUploadBytes: number;
  readonly health: () => Record<string, unknown>;
}

const idParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
} as const;

const uploadQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    loop: { type: 'boolean', default: false },
    name: { type: 'string', maxLength: 255 },
    room: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
  },
} as const;

const streamBody = {
  type: 'object',
  required: ['url'],
  additionalProperties: false,
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2048 },
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    room: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
  },
} as const;

export function sendError(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: code, message });
}

const notFound = (reply: FastifyReply, id: string) =>
  sendError(reply, 404, 'STREAM_NOT_FOUND', `no stream "${id}": GET /api/streams lists them`);

/** Puts a new stream into its room (created when new); the `room` field of the reply. */
function joinRoom(d: RouteDeps, streamId: string, room: string | undefined): { room?: string } {
  if (!room || !d.rooms) return {};
  d.rooms.ensure(room);
  d.rooms.attach(room, streamId);
  return { room };
}

/** The HTTP API (docs/api.md). */
export function registerRoutes(app: FastifyInstance, d: RouteDeps): void {
  app.get('/healthz', async () => ({ ok: true, ...d.health() }));

  app.get('/metrics', async (_req, reply) => {
    reply.type(d.metrics.contentType);
    return d.metrics.text();
  });

  app.get('/api/streams', async () => ({ streams: d.manager.list() }));

  app.get<{ Params: { id: string } }>(
    '/api/streams/:id',
    { schema: { params: idParam } },
    async (req, reply) => {
      const s = d.manager.get(req.params.id);
      return s ?? notFound(reply, req.params.id);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/streams/:id',
    { schema: { params: idParam } },
    async (req, reply) => {
      const info = d.manager.get(req.params.id);
      if (!info || !(await d.manager.remove(req.params.id))) return notFound(reply, req.params.id);
      d.rooms?.detach(req.params.id);
      // An uploaded file exists only to be analysed: it goes with its stream.
      if (info.kind === 'upload') await rm(info.source, { force: true });
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { url: string; id?: string; room?: string } }>(
    '/api/streams',
    { schema: { body: streamBody } },
    async (req, reply) => {
      const url = req.body.url.trim();
      if (!/^rtsps?:\/\//i.test(url))
        return sendError(
          reply,
          400,
          'BAD_STREAM_URL',
          `"${url.split(':')[0]}:" is not accepted: give an rtsp:// or rtsps:// URL (files go to POST /api/uploads)`,
        );
      let spec: ReturnType<typeof parseSource>;
      try {
        spec = parseSource(url);
      } catch (err) {
        return sendError(reply, 400, 'BAD_STREAM_URL', (err as Error).message);
      }
      const info = d.manager.add(spec, { ...(req.body.id && { id: req.body.id }) });
      return reply.code(201).send({ ...info, ...joinRoom(d, info.id, req.body.room) });
    },
  );

  app.post<{ Querystring: { id?: string; loop?: boolean; name?: string; room?: string } }>(
    '/api/uploads',
    { schema: { querystring: uploadQuery } },
    async (req, reply) => {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > d.maxUploadBytes + 64 * 1024) {
        d.metrics.uploads.inc({ result: 'too_large' });
        reply.header('connection', 'close');
        return sendError(
          reply,
          413,
          'UPLOAD_TOO_LARGE',
          `upload of ${declared} bytes exceeds ${d.maxUploadBytes} (server.maxUploadBytes)`,
        );
      }
      const dir = path.join(d.dataDir, 'uploads');
      try {
        let body: Readable;
        let name = req.query.name;
        if (req.isMultipart()) {
          const part = await req.file({ limits: { fileSize: d.maxUploadBytes + 1, files: 1 } });
          if (!part) throw new UploadError(400, 'UPLOAD_EMPTY', 'multipart upload without a file field');
          body = part.file;
          name ??= part.filename;
        } else body = req.body as Readable;
        const file = await storeUpload(body, dir, name, d.maxUploadBytes);
        const video = await checkVideo(file);
        const info = d.manager.add(
          { kind: 'upload', path: file },
          {
            loop: req.query.loop ?? false,
            ...(req.query.id && { id: req.query.id }),
          },
        );
        d.metrics.uploads.inc({ result: 'accepted' });
        return reply.code(201).send({ ...info, ...joinRoom(d, info.id, req.query.room), video });
      } catch (err) {
        if (err instanceof UploadError) {
          d.metrics.uploads.inc({
            result: { 413: 'too_large', 415: 'not_video', 400: 'bad_request' }[err.status],
          });
          if (err.status === 413) reply.header('connection', 'close');
          return sendError(reply, err.status, err.code, err.message);
        }
        throw err;
      }
    },
  );

  app.setErrorHandler(
    (err: Error & { statusCode?: number; validation?: unknown; code?: string }, _req, reply) => {
      if (err.validation) return sendError(reply, 400, 'BAD_REQUEST', err.message);
      if (err instanceof AupipeError) {
        const status = err.code === 'STREAM_EXISTS' ? 409 : err.code === 'TOO_MANY_STREAMS' ? 429 : 400;
        return sendError(reply, status, err.code, err.message);
      }
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
      if (status === 413) return sendError(reply, 413, 'UPLOAD_TOO_LARGE', err.message);
      return sendError(
        reply,
        status,
        err.code ?? 'INTERNAL',
        status === 500 ? 'internal error' : err.message,
      );
    },
  );
}
