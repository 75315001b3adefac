import type { Message } from '../types.js';

/**
 * NATS subject layout (docs/api.md): `<prefix>.<streamId>.<type>` with type one of
 * au | au_summary | emotion | engagement | status | track | attention. Emotion and attention events and status
 * also land in JetStream.
 */
export const CHANNELS = [
  'au',
  'au_summary',
  'emotion',
  'engagement',
  'status',
  'track',
  'attention',
] as const;
export type Channel = (typeof CHANNELS)[number];

/** Types whose messages are stored in JetStream (low rate, replayable); the rest stay on core NATS. */
export const DURABLE_TYPES: ReadonlySet<Message['type']> = new Set(['emotion', 'status', 'attention']);

/** A subject token cannot hold `.`, `*`, `>` or whitespace; anything else outside [A-Za-z0-9_-] becomes `_`. */
export function subjectToken(s: string): string {
  const t = s.replace(/[^A-Za-z0-9_-]/g, '_');
  return t.length > 0 ? t : '_';
}

export function subjectFor(prefix: string, msg: Pick<Message, 'type' | 'streamId'>): string {
  return `${prefix}.${subjectToken(msg.streamId)}.${msg.type}`;
}

/** Subjects the JetStream stream captures. */
export function durableSubjects(prefix: string): string[] {
  return [...DURABLE_TYPES].map((t) => `${prefix}.*.${t}`);
}
