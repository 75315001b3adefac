/**
 * The browser ingest endpoint (`/ingest`, WebSocket): a student page that ran the pipeline on its own device
 * sends its signals here, one JSON message per frame; each is checked (size, rate, no image data, the published
 * schema, its own stream id) and published into the same sinks as server-side streams (WebSocket channels,
 * NATS, JSONL), with a `status` live/ended per connection; emotion events a vanished page left open are ended
 * at its last stream time. Bad input closes the connection with a 44xx code and
 * the error code as reason (docs/api.md, "Browser ingest").
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { Config } from '../config/index.js';
import type { IngestErrorCode } from '../errors.js';
import { checkIngestMessage } from '../schemas/index.js';
import type { Publisher } from '../sink/index.js';
import { type EmotionEvent, type Message, SCHEMA_VERSION } from '../types.js';
import { presentedToken, scopeOf } from './auth.js';
import type { RoomTokens } from './room-tokens.js';

/** Close codes of the ingest endpoint. */
export const INGEST_CLOSE = {
  unauthorized: 4401,
  /** A room token used for another room. */
  roomForbidden: 4403,
  badInput: 4400,
  duplicate: 4409,
  tooLarge: 4413,
  binary: 4415,
  rateLimit: 4429,
  /** The client's room was deleted (its data with it): the page does not reconnect. */
  roomDeleted: 4410,
  goingAway: 1001,
} as const;

const STREAM_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface IngestOptions {
  readonly browser: Config['browser'];
  /** The token the WebSocket channels use (`sink.ws.token`); empty: none. */
  readonly token: string;
  /** The API's tokens (`server.auth.tokens`): any of them may ingest, as on /ws. */
  readonly apiTokens?: Config['server']['auth']['tokens'];
  /** Room tokens issued through the API: each admits a client into its room only. */
  readonly roomTokens?: RoomTokens;
  readonly publisher: Publisher;
  /**
   * Rooms: a client connecting with `?room=` joins that room (created when absent) like a server-side stream,
   * its messages feed the room's aggregates, and it leaves the room when it disconnects.
   */
  readonly rooms?: IngestRooms;
  readonly clock?: () => number;
  readonly log?: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
}

/** The part of the room registry the ingest endpoint uses. */
export interface IngestRooms {
  ensure(id: string): unknown;
  attach(roomId: string, streamId: string): unknown;
  detach(streamId: string): boolean;
  roomOf(streamId: string): string | undefined;
  observe(msg: Message): void;
}

export interface IngestClientInfo {
  readonly streamId: string;
  readonly room: string;
  /** The student the client's room token was issued for, if any. */
  readonly student?: string;
  readonly connectedAt: number;
  readonly messages: number;
  readonly bytes: number;
  readonly byType: Readonly<Record<string, number>>;
  /** Face tracks open on the device (from its track events). */
  readonly activeTracks: readonly number[];
}

export interface IngestStats {
  readonly clients: number;
  readonly accepted: number;
  readonly refused: Readonly<Partial<Record<IngestErrorCode, number>>>;
}

/** A token bucket on an injected clock: `rate` per second sustained, bursts of `burst`. */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  take(nowMs: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) / 1000) * this.rate);
    this.lastMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface Client {
  readonly ws: WebSocket;
  readonly info: { -readonly [K in keyof IngestClientInfo]: IngestClientInfo[K] } & {
    byType: Record<string, number>;
  };
  readonly bucket: TokenBucket;
  readonly tracks: Set<number>;
  /** Emotion events started and not ended, by id (their latest phase). */
  readonly open: Map<string, EmotionEvent>;
  /** Latest stream time the client reported. */
  lastPtsMs: number;
}

const same = (given: string, expected: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** WebSocket close reasons are at most 123 bytes. */
const reason = (code: IngestErrorCode, problem: string) => `${code}: ${problem}`.slice(0, 120);

export class IngestEndpoint {
  // the hard bound is 4× the limit: a message between the two is refused with a clear code, beyond it ws cuts
  readonly wss: WebSocketServer;
  private readonly clients = new Map<string, Client>();
  private readonly clock: () => number;
  private accepted = 0;
  private readonly refused: Partial<Record<IngestErrorCode, number>> = {};

  constructor(private readonly o: IngestOptions) {
    this.clock = o.clock ?? Date.now;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 4 * o.browser.maxMessageBytes });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // the query by hand: `new URL()` throws on request targets such as `//x%00`
      const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      const streamId = query.get('stream') ?? '';
      const asked = query.get('room') ?? '';
      const given = presentedToken(req.url, req.headers.authorization);
      const grant = this.o.roomTokens?.check(given);
      const room = grant ? grant.room : asked;
      const refusal: [number, IngestErrorCode, string] | null = grant
        ? asked && asked !== grant.room
          ? [INGEST_CLOSE.roomForbidden, 'INGEST_ROOM_FORBIDDEN', `this token is for room ${grant.room}`]
          : null
        : !this.tokenOk(given)
          ? [INGEST_CLOSE.unauthorized, 'INGEST_UNAUTHORIZED', 'token missing, wrong or expired']
          : null;
      const bad: [number, IngestErrorCode, string] | null = refusal
        ? refusal
        : !STREAM_ID.test(streamId) || (room && !STREAM_ID.test(room))
          ? [INGEST_CLOSE.badInput, 'INGEST_BAD_STREAM', 'stream (and room) must be 1-64 of [A-Za-z0-9_-]']
          : this.clients.has(streamId)
            ? [INGEST_CLOSE.duplicate, 'INGEST_BAD_STREAM', `stream ${streamId} is already connected`]
            : null;
      if (bad) this.refuse(ws, ...bad);
      else this.accept(ws, streamId, room, grant?.student);
    });
  }

  /**
   * A token that is not a room token: `sink.ws.token` or any API token; open (no token needed) only when
   * neither is configured.
   */
  private tokenOk(given: string): boolean {
    const api = this.o.apiTokens ?? [];
    if (!this.o.token && api.length === 0) return true;
    return (this.o.token !== '' && same(given, this.o.token)) || scopeOf(given, api) !== 'none';
  }

  private refuse(ws: WebSocket, close: number, code: IngestErrorCode, problem: string): void {
    this.refused[code] = (this.refused[code] ?? 0) + 1;
    this.o.log?.('warn', 'ingest message refused', { code, problem });
    ws.close(close, reason(code, problem));
  }

  private accept(ws: WebSocket, streamId: string, room: string, student?: string): void {
    const now = this.clock();
    const rate = this.o.browser.maxMessagesPerSec;
    const c: Client = {
      ws,
      info: {
        streamId,
        room,
        ...(student ? { student } : {}),
        connectedAt: now,
        messages: 0,
        bytes: 0,
        byType: {},
        activeTracks: [],
      },
      bucket: new TokenBucket(rate, 2 * rate, now),
      tracks: new Set(),
      open: new Map(),
      lastPtsMs: 0,
    };
    this.clients.set(streamId, c);
    if (room && this.o.rooms) {
      this.o.rooms.ensure(room);
      this.o.rooms.attach(room, streamId);
    }
    this.status(streamId, 'live', room ? `browser client, room ${room}` : 'browser client');
    this.o.log?.('info', 'browser client connected', { streamId, room });
    ws.on('message', (data, isBinary) => this.onMessage(c, data, isBinary));
    ws.on('close', () => {
      if (this.clients.get(streamId) !== c) return;
      this.clients.delete(streamId);
      // a page that vanished (crash, network) leaves events open: end them where it was last heard of
      for (const e of c.open.values()) {
        const { endMs: _drop, ...rest } = e as EmotionEvent & { endMs?: number };
        this.publish({ ...rest, phase: 'end', endMs: Math.max(c.lastPtsMs, e.startMs) } as EmotionEvent);
      }
      c.open.clear();
      // out of the room (its students leave the aggregates), unless the room was moved meanwhile by the API
      if (room && this.o.rooms?.roomOf(streamId) === room) this.o.rooms.detach(streamId);
      this.status(streamId, 'ended', 'browser client disconnected');
      this.o.log?.('info', 'browser client disconnected', { streamId, messages: c.info.messages });
    });
    ws.on('error', () => ws.terminate());
  }

  private onMessage(c: Client, data: RawData, isBinary: boolean): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
    const verdict = this.judge(c, data, isBinary, bytes);
    if ('refuse' in verdict) {
      const [close, code, problem] = verdict.refuse;
      this.refuse(c.ws, close, code, problem);
      return;
    }
    const t = verdict.msg.type;
    c.info.messages++;
    c.info.bytes += bytes;
    c.info.byType[t] = (c.info.byType[t] ?? 0) + 1;
    this.accepted++;
    const m = verdict.msg;
    if (m.type === 'au' || m.type === 'track') c.lastPtsMs = Math.max(c.lastPtsMs, m.ptsMs);
    if (m.type === 'emotion') {
      if (m.phase === 'end') c.open.delete(m.id);
      else c.open.set(m.id, m);
    }
    if (m.type === 'track') {
      if (m.phase === 'start') c.tracks.add(m.trackId);
      else c.tracks.delete(m.trackId);
      c.info.activeTracks = [...c.tracks];
    }
    this.publish(m);
  }

  /** Into the sinks, and into the client's room aggregates on the way (as a server-side stream's messages). */
  private publish(m: Message): void {
    this.o.rooms?.observe(m);
    this.o.publisher.publish(m);
  }

  /** One message's fate: published, or refused with a close code, an error code and the problem. */
  private judge(
    c: Client,
    data: RawData,
    isBinary: boolean,
    bytes: number,
  ): { msg: Message } | { refuse: [number, IngestErrorCode, string] } {
    const max = this.o.browser.maxMessageBytes;
    if (isBinary)
      return {
        refuse: [INGEST_CLOSE.binary, 'INGEST_BINARY', 'binary frames are not accepted: send JSON text'],
      };
    if (bytes > max)
      return {
        refuse: [
          INGEST_CLOSE.tooLarge,
          'INGEST_TOO_LARGE',
          `${bytes} bytes > browser.maxMessageBytes ${max}`,
        ],
      };
    if (!c.bucket.take(this.clock())) {
      const rate = this.o.browser.maxMessagesPerSec;
      return {
        refuse: [INGEST_CLOSE.rateLimit, 'INGEST_RATE_LIMIT', `over browser.maxMessagesPerSec ${rate}`],
      };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString());
    } catch {
      return { refuse: [INGEST_CLOSE.badInput, 'INGEST_BAD_JSON', 'not a JSON message'] };
    }
    const check = checkIngestMessage(raw);
    if (!check.ok) return { refuse: [INGEST_CLOSE.badInput, check.code, check.problem] };
    if (check.msg.streamId !== c.info.streamId)
      return {
        refuse: [INGEST_CLOSE.badInput, 'INGEST_STREAM_MISMATCH', `streamId must be ${c.info.streamId}`],
      };
    return { msg: check.msg as Message };
  }

  private status(streamId: string, state: 'live' | 'ended', detail: string): void {
    this.o.publisher.publish({
      v: SCHEMA_VERSION,
      type: 'status',
      streamId,
      state,
      atMs: this.clock(),
      detail,
    });
  }

  /** Disconnects a client (its room was deleted); false if it is not connected. */
  disconnect(streamId: string, close: number = INGEST_CLOSE.roomDeleted, why = 'room deleted'): boolean {
    const c = this.clients.get(streamId);
    if (!c) return false;
    c.ws.close(close, why);
    return true;
  }

  /** The connected browser clients. */
  list(): IngestClientInfo[] {
    return [...this.clients.values()].map((c) => ({ ...c.info, byType: { ...c.info.byType } }));
  }

  stats(): IngestStats {
    return { clients: this.clients.size, accepted: this.accepted, refused: { ...this.refused } };
  }

  /** Closes every client (1001) and the server. */
  async close(): Promise<void> {
    for (const c of this.clients.values()) c.ws.close(INGEST_CLOSE.goingAway, 'server shutting down');
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}
