import type { Message } from '../types.js';

/**
 * NATS subject layout (docs/api.md): `<prefix>.<streamId>.<type>` with type one of
 * au | au_summary | emotion | engagement | status | track | attention; rooms on `<prefix>.room.<roomId>.<type>`
 * (room | room_moment). Emotion and attention events, room moments and status also land in JetStream.
 */
export const CHANNELS = [
  'au',
  'au_summary',
  'emotion',
  'engagement',
  'status',
  'track',
  'attention',
  'room',
  'room_moment',
] as const;
export type Channel = (typeof CHANNELS)[number];

/** Types whose messages are stored in JetStream (low rate, replayable); the rest stay on core NATS. */
export const DURABLE_TYPES: ReadonlySet<Message['type']> = new Set([
  'emotion',
  'status',
  'attention',
  'room_moment',
]);

/** A subject token cannot hold `.`, `*`, `>` or whitespace; anything else outside [A-Za-z0-9_-] becomes `_`. */
export function subjectToken(s: string): string {
  const t = s.replace(/[^A-Za-z0-9_-]/g, '_');
  return t.length > 0 ? t : '_';
}

/** What a message is routed by: its stream, or `room:<roomId>` for a room's aggregates and moments. */
export function routeKey(msg: Message): string {
  return 'roomId' in msg ? `room:${msg.roomId}` : msg.streamId;
}

/** `<prefix>.<streamId>.<type>`, or `<prefix>.room.<roomId>.<type>` for room messages. */
export function subjectFor(prefix: string, msg: Message): string {
  if ('roomId' in msg) return roomSubject(prefix, msg.roomId, msg.type);
  return `${prefix}.${subjectToken(msg.streamId)}.${msg.type}`;
}

export function roomSubject(prefix: string, roomId: string, type: string): string {
  return `${prefix}.room.${subjectToken(roomId)}.${type}`;
}

/** Subjects the JetStream stream captures. */
export function durableSubjects(prefix: string): string[] {
  return [...DURABLE_TYPES].map((t) => (t.startsWith('room') ? `${prefix}.room.*.${t}` : `${prefix}.*.${t}`));
}
