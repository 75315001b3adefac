/**
 * The rooms API (docs/api.md, "Rooms"): create, list, read, delete rooms; attach and detach streams. Registered
 * from the app beside the stream routes; auth, if any, is the app's global hook.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { RoomError } from '../errors.js';
import type { RoomTokens } from './room-tokens.js';
import type { RoomRegistry } from './rooms.js';
import { sendError } from './routes.js';
import type { StreamManager } from './stream-manager.js';

const ID = '^[A-Za-z0-9_-]{1,64}$';
const roomParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: ID } },
} as const;
const roomStreamParam = {
  type: 'object',
  required: ['id', 'streamId'],
  properties: { id: { type: 'string', pattern: ID }, streamId: { type: 'string', pattern: ID } },
} as const;
const roomBody = {
  type: 'object',
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: ID }, name: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

const tokenBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    student: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9 ._-]+$' },
    ttlSec: { type: 'integer', minimum: 60, maximum: 604_800 },
  },
} as const;

const STATUS: Record<string, number> = { ROOM_ID_INVALID: 400, ROOM_EXISTS: 409, ROOM_NOT_FOUND: 404 };

function roomError(reply: FastifyReply, err: unknown) {
  if (err instanceof RoomError) return sendError(reply, STATUS[err.code] ?? 400, err.code, err.message);
  throw err;
}
const notFound = (reply: FastifyReply, id: string) =>
  sendError(reply, 404, 'ROOM_NOT_FOUND', `no room "${id}": GET /api/rooms lists them`);

export function registerRoomRoutes(
  app: FastifyInstance,
  d: {
    readonly rooms: RoomRegistry;
    readonly manager: StreamManager;
    /** Room tokens: issued here, revoked with their room. */
    readonly tokens?: RoomTokens;
    /** A connected browser client's entry for the teacher's view (kind 'browser'), if `id` is one. */
    readonly browserClient?: (id: string) => { id: string; kind: 'browser'; state: 'live' } | undefined;
  },
): void {
  app.get('/api/rooms', async () => ({ rooms: d.rooms.list() }));

  app.post<{ Body: { id?: string; name?: string } | undefined }>(
    '/api/rooms',
    { schema: { body: roomBody } },
    async (req, reply) => {
      try {
        return reply.code(201).send(d.rooms.create(req.body ?? {}));
      } catch (err) {
        return roomError(reply, err);
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/rooms/:id',
    { schema: { params: roomParam } },
    async (req, reply) => {
      const r = d.rooms.get(req.params.id);
      if (!r) return notFound(reply, req.params.id);
      // the room's streams with their state, for the teacher's view
      return {
        ...r,
        streamInfo: r.streams.flatMap((s) => d.manager.get(s) ?? d.browserClient?.(s) ?? []),
      };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/rooms/:id',
    { schema: { params: roomParam } },
    async (req, reply) => {
      const res = await d.rooms.delete(req.params.id);
      if (!res) return notFound(reply, req.params.id);
      d.tokens?.revokeRoom(req.params.id);
      return reply.code(200).send({ deleted: req.params.id, ...res });
    },
  );

  // a token for one room (optionally one student): the student page and /ingest accept it for that room only
  app.post<{ Params: { id: string }; Body: { student?: string; ttlSec?: number } | undefined }>(
    '/api/rooms/:id/tokens',
    { schema: { params: roomParam, body: tokenBody } },
    async (req, reply) => {
      if (!d.tokens || !d.rooms.get(req.params.id)) return notFound(reply, req.params.id);
      const t = d.tokens.issue(req.params.id, req.body ?? {});
      if (!t)
        return sendError(reply, 429, 'ROOM_TOKENS_FULL', 'too many unexpired room tokens (rooms.maxTokens)');
      return reply.code(201).send(t);
    },
  );

  app.put<{ Params: { id: string; streamId: string } }>(
    '/api/rooms/:id/streams/:streamId',
    { schema: { params: roomStreamParam } },
    async (req, reply) => {
      if (!d.manager.get(req.params.streamId))
        return sendError(reply, 404, 'STREAM_NOT_FOUND', `no stream "${req.params.streamId}"`);
      try {
        return d.rooms.attach(req.params.id, req.params.streamId);
      } catch (err) {
        return roomError(reply, err);
      }
    },
  );

  app.delete<{ Params: { id: string; streamId: string } }>(
    '/api/rooms/:id/streams/:streamId',
    { schema: { params: roomStreamParam } },
    async (req, reply) => {
      if (d.rooms.roomOf(req.params.streamId) !== req.params.id)
        return sendError(
          reply,
          404,
          'STREAM_NOT_IN_ROOM',
          `stream "${req.params.streamId}" is not in room "${req.params.id}"`,
        );
      d.rooms.detach(req.params.streamId);
      return reply.code(204).send();
    },
  );
}
