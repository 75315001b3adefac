/**
 * Ids that stay unique across owners, pure. A stream restarted by a new owner starts its tracker at track 1
 * and its stream clock at 0 again, so the local event ids (`stream:track:emotion:startMs`) would repeat; the
 * owner's epoch (see lease.ts) goes into every track id and event id it publishes.
 */
import type { EmotionEvent, Message } from '../types.js';

/** Room for local track ids below one epoch step (a tracker that made a million tracks wraps into the next). */
export const TRACKS_PER_EPOCH = 1_000_000;

/** Global track id: `epoch * 1e6 + local`; `localTrackId` undoes it. */
export const globalTrackId = (epoch: number, local: number): number => epoch * TRACKS_PER_EPOCH + local;
export const localTrackId = (global: number): number => global % TRACKS_PER_EPOCH;
export const epochOfTrack = (global: number): number => Math.floor(global / TRACKS_PER_EPOCH);

/** Global event id: the local id with `@<epoch>` appended. */
export const globalEventId = (epoch: number, local: string): string => `${local}@${epoch}`;

/** Stamps the owner's epoch into a message's track id and event id (messages without them pass unchanged). */
export function stampOwner(msg: Message, epoch: number): Message {
  if (!('trackId' in msg) || msg.trackId === null) return msg;
  const trackId = globalTrackId(epoch, msg.trackId);
  if (msg.type === 'emotion') return { ...msg, trackId, id: globalEventId(epoch, msg.id) };
  return { ...msg, trackId } as Message;
}

/**
 * JetStream message id of a durable message, so that a publish retried after a lost ack (or a reconnect to
 * another node) is dropped by the server's duplicate window: emotion events are `<event id>:<phase>`, an
 * update adding its number within the event (`n`, counted by the publisher), status `<stream>:status:<atMs>`.
 */
export function jetstreamMsgId(msg: Message, updateNo = 0): string | undefined {
  if (msg.type === 'emotion')
    return msg.phase === 'update' ? `${msg.id}:update:${updateNo}` : `${msg.id}:${msg.phase}`;
  if (msg.type === 'status') return `${msg.streamId}:status:${msg.state}:${msg.atMs}`;
  return undefined;
}

/** Counts updates per event id so `jetstreamMsgId` is deterministic for one owner; forgets ended events. */
export class MsgIds {
  private readonly updates = new Map<string, number>();
  of(msg: Message): string | undefined {
    if (msg.type !== 'emotion') return jetstreamMsgId(msg);
    if (msg.phase === 'end') this.updates.delete(msg.id);
    if (msg.phase !== 'update') return jetstreamMsgId(msg);
    const n = (this.updates.get(msg.id) ?? 0) + 1;
    this.updates.set(msg.id, n);
    return jetstreamMsgId(msg, n);
  }
}

/**
 * Open events of a stream, kept so that the next owner can end them if this one dies: the latest start or
 * update of each event id; an end removes it.
 */
export function trackOpen(
  open: ReadonlyMap<string, EmotionEvent>,
  e: EmotionEvent,
): Map<string, EmotionEvent> {
  const next = new Map(open);
  if (e.phase === 'end') next.delete(e.id);
  else next.set(e.id, e);
  return next;
}

/** The `end` a new owner publishes for an event the old owner left open (at its last known confidence). */
export function handoverEnd(e: EmotionEvent, endMs: number): EmotionEvent {
  return { ...e, phase: 'end', endMs: Math.max(endMs, e.startMs), reason: 'handover' };
}
