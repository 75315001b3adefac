import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type {} from '@fastify/multipart';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AupipeError } from '../errors.js';
import { parseSource } from '../ingest/index.js';
import type { Metrics } from './metrics.js';
import type { RoomRegistry } from './rooms.js';
import { checkSourceHost, type HostPolicy, type Resolver } from './source-hosts.js';
import type { StreamManager } from './stream-manager.js';
import { checkVideo, storeUpload, UploadError } from './uploads.js';

export interface RouteDeps {
  readonly manager: StreamManager;
  /** Rooms: a stream created with `room` joins it (created if new); a deleted stream leaves it. */
  readonly rooms?: RoomRegistry;
  readonly metrics: Metrics;
  readonly dataDir: string;
  readonly maxUploadBytes: number;
  /** `{ ok, ...fields }` for GET /healthz; a false `ok` answers 503. */
  readonly health: () => { ok: boolean } & Record<string, unknown>;
  /** Where API-created RTSP streams may connect (server.rtspAllowHosts). */
  readonly hosts: HostPolicy;
  /** DNS for the host check (tests inject one). */
  readonly resolve?: Resolver;
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
    token: { type: 'string', maxLength: 512 },
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
  app.get('/healthz', async (_req, reply) => {
    const h = d.health();
    return reply.code(h.ok ? 200 : 503).send(h);
  });

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
      try {
        await checkSourceHost(url, d.hosts, d.resolve);
      } catch (err) {
        const e = err as AupipeError;
        return sendError(reply, e.code === 'SOURCE_HOST_FORBIDDEN' ? 403 : 400, e.code, e.message);
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
      let file = '';
      try {
        // refuse before storing what would be refused after (the add below still decides, and cleans up)
        d.manager.assertCanAdd(req.query.id);
        let body: Readable;
        let name = req.query.name;
        if (req.isMultipart()) {
          const part = await req.file({ limits: { fileSize: d.maxUploadBytes + 1, files: 1 } });
          if (!part) throw new UploadError(400, 'UPLOAD_EMPTY', 'multipart upload without a file field');
          body = part.file;
          name ??= part.filename;
        } else body = asReadable(req.body);
        file = await storeUpload(body, dir, name, d.maxUploadBytes);
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
        // a refused upload (409 id exists, 429 too many streams, anything else) leaves nothing on disk
        if (file) await rm(file, { force: true });
        if (err instanceof AupipeError && !(err instanceof UploadError)) {
          const result = UPLOAD_RESULT[err.code];
          if (result) d.metrics.uploads.inc({ result });
          if (!file) {
            reply.header('connection', 'close');
            drain(req.body);
          }
        }
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

  app.setNotFoundHandler((req, reply) =>
    sendError(reply, 404, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}: see docs/api.md`),
  );

  app.setErrorHandler(
    (
      err: Error & {
        statusCode?: number;
        validation?: ValidationIssue[];
        validationContext?: string;
        code?: string;
      },
      _req,
      reply,
    ) => {
      if (err.validation) return sendError(reply, 400, 'BAD_REQUEST', validationMessage(err));
      if (err instanceof AupipeError) {
        const status = err.code === 'STREAM_EXISTS' ? 409 : err.code === 'TOO_MANY_STREAMS' ? 429 : 400;
        return sendError(reply, status, err.code, err.message);
      }
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
      // Fastify's own refusals (JSON bodies: size, syntax, media type) get codes of ours
      if (status === 413)
        return sendError(
          reply,
          413,
          'BODY_TOO_LARGE',
          'request body over 1 MiB: JSON bodies are small; send videos to POST /api/uploads',
        );
      if (status === 500) return sendError(reply, 500, 'INTERNAL', 'internal error');
      const code =
        err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError
          ? 'BAD_JSON'
          : 'BAD_REQUEST';
      return sendError(reply, status, status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : code, err.message);
    },
  );
}

/** The upload metric's result label for the stream manager's refusals. */
const UPLOAD_RESULT: Record<string, string> = {
  STREAM_EXISTS: 'conflict',
  TOO_MANY_STREAMS: 'too_many',
  STREAM_ID_INVALID: 'bad_request',
};

/** Refused before the body was read: read it to its end so the client gets the answer, not a reset. */
function drain(body: unknown): void {
  if (body instanceof Readable && !body.readableEnded) body.resume();
}

/** The raw parser hands a stream; a text or JSON body (its own parsers) is no video file. */
function asReadable(body: unknown): Readable {
  if (body instanceof Readable) return body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return Readable.from([Buffer.from(body)]);
  throw new UploadError(
    415,
    'UPLOAD_NOT_VIDEO',
    'a JSON body is not a video: send the file as the request body (e.g. video/mp4) or a multipart "file" field',
  );
}

interface ValidationIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
}

/** One line saying what to fix; an unknown key is named (bodies and queries are strict). */
function validationMessage(err: {
  validation?: ValidationIssue[];
  validationContext?: string;
  message: string;
}) {
  const where = err.validationContext ?? 'request';
  const v = err.validation?.[0];
  if (!v) return err.message;
  if (v.keyword === 'additionalProperties')
    return `unknown key "${String(v.params.additionalProperty)}" in ${where}${v.instancePath}`;
  return `${where}${v.instancePath.replace(/\//g, '.')} ${v.message ?? 'is invalid'}`;
}
