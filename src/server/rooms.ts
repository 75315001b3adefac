/**
 * Rooms on the server: which streams belong to which room, each room's aggregator (src/rooms, pure) fed with its
 * streams' messages and ticked on the wall clock, and deletion that takes the room's data with it (its streams
 * stopped, its JetStream messages purged). Time is injected (`clock`, `setInterval`-like `every`) for tests.
 */
import { randomBytes } from 'node:crypto';
import type { RoomsConfig } from '../config/index.js';
import { RoomError } from '../errors.js';
import { RoomAggregator } from '../rooms/index.js';
import { type Publisher, roomSubject, subjectToken } from '../sink/index.js';
import type { Message, RoomAggregate } from '../types.js';

export interface RoomInfo {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly streams: readonly string[];
}

export interface RoomRegistryOptions {
  readonly config: RoomsConfig;
  /** Where room aggregates and moments go (the service's fan-out of sinks). */
  readonly publisher: Publisher;
  /** Stops and forgets a stream (the stream manager's remove). */
  readonly removeStream: (id: string) => Promise<boolean>;
  /** Purges JetStream messages on these subjects; absent without NATS. */
  readonly purge?: (subjects: readonly string[]) => Promise<number>;
  /** Drops a routing key's WebSocket replay history. */
  readonly forget?: (key: string) => void;
  /** NATS subject prefix (for the purge filters). */
  readonly subjectPrefix: string;
  readonly clock?: () => number;
  readonly every?: (fn: () => void, ms: number) => { stop(): void };
}

interface Room {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly streams: Set<string>;
  readonly agg: RoomAggregator;
  last?: RoomAggregate;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  private readonly byStream = new Map<string, string>();
  private readonly clock: () => number;
  private readonly timer: { stop(): void };

  constructor(private readonly o: RoomRegistryOptions) {
    this.clock = o.clock ?? Date.now;
    const every =
      o.every ??
      ((fn, ms) => {
        const t = setInterval(fn, ms);
        t.unref();
        return { stop: () => clearInterval(t) };
      });
    this.timer = every(() => this.tick(), o.config.intervalMs);
  }

  create(opts: { id?: string; name?: string } = {}): RoomInfo {
    const id = opts.id ?? `r-${randomBytes(4).toString('hex')}`;
    if (!ID.test(id)) throw new RoomError('ROOM_ID_INVALID', `room id "${id}": use 1-64 of [A-Za-z0-9_-]`);
    if (this.rooms.has(id)) throw new RoomError('ROOM_EXISTS', `room "${id}" exists`);
    const room: Room = {
      id,
      name: opts.name ?? id,
      createdAt: this.clock(),
      streams: new Set(),
      agg: new RoomAggregator(id, this.o.config),
    };
    this.rooms.set(id, room);
    return this.info(room);
  }

  /** The room, created when it does not exist yet (a stream created with `room`). */
  ensure(id: string): RoomInfo {
    const r = this.rooms.get(id);
    return r ? this.info(r) : this.create({ id });
  }

  list(): RoomInfo[] {
    return [...this.rooms.values()].map((r) => this.info(r));
  }

  get(id: string): (RoomInfo & { readonly aggregate?: RoomAggregate }) | undefined {
    const r = this.rooms.get(id);
    return r && { ...this.info(r), ...(r.last ? { aggregate: r.last } : {}) };
  }

  roomOf(streamId: string): string | undefined {
    return this.byStream.get(streamId);
  }

  /** Puts a stream into a room (out of any other); throws ROOM_NOT_FOUND. */
  attach(roomId: string, streamId: string): RoomInfo {
    const r = this.rooms.get(roomId);
    if (!r) throw new RoomError('ROOM_NOT_FOUND', `no room "${roomId}": GET /api/rooms lists them`);
    this.detach(streamId);
    r.streams.add(streamId);
    this.byStream.set(streamId, roomId);
    return this.info(r);
  }

  /** Takes a stream out of its room (its students leave the aggregates); false if it was in none. */
  detach(streamId: string): boolean {
    const roomId = this.byStream.get(streamId);
    if (!roomId) return false;
    const r = this.rooms.get(roomId);
    r?.streams.delete(streamId);
    r?.agg.dropStream(streamId);
    this.byStream.delete(streamId);
    return true;
  }

  /** A stream message: feeds its room's aggregator, if the stream is in one. */
  observe(msg: Message): void {
    if (!('streamId' in msg)) return;
    const roomId = this.byStream.get(msg.streamId);
    if (roomId) this.rooms.get(roomId)?.agg.observe(msg, this.clock());
  }

  /** Publishes every room's aggregate and moments for now. */
  tick(): void {
    const now = this.clock();
    for (const r of this.rooms.values()) {
      for (const m of r.agg.tick(now)) {
        if (m.type === 'room') r.last = m;
        this.o.publisher.publish(m);
      }
    }
  }

  /**
   * Deletes a room and its data: its streams are stopped and removed, the room's and its streams' JetStream
   * messages purged, WebSocket replay history dropped. Returns the purge count (0 without NATS); false if unknown.
   */
  async delete(id: string): Promise<{ streams: string[]; purged: number } | false> {
    const r = this.rooms.get(id);
    if (!r) return false;
    const streams = [...r.streams];
    this.rooms.delete(id);
    for (const s of streams) this.byStream.delete(s);
    await Promise.all(streams.map((s) => this.o.removeStream(s)));
    const p = this.o.subjectPrefix;
    const subjects = [roomSubject(p, id, '>'), ...streams.map((s) => `${p}.${subjectToken(s)}.>`)];
    const purged = this.o.purge ? await this.o.purge(subjects) : 0;
    this.o.forget?.(`room:${id}`);
    for (const s of streams) this.o.forget?.(s);
    return { streams, purged };
  }

  close(): void {
    this.timer.stop();
  }

  private info(r: Room): RoomInfo {
    return { id: r.id, name: r.name, createdAt: r.createdAt, streams: [...r.streams].sort() };
  }
}
