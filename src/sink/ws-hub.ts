import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { SinkConfig } from '../config/index.js';
import type { Message } from '../types.js';
import type { SinkLog } from './nats.js';
import type { Publisher } from './publisher.js';
import { type Channel, routeKey } from './subjects.js';
import {
  type ClientRequest,
  parseClientRequest,
  Subscription,
  WS_CLOSE,
  WS_PROTOCOL_VERSION,
} from './ws-protocol.js';

export type WsConfig = SinkConfig['ws'];

export interface WsHubStats {
  readonly clients: number;
  /** Deliveries (message × client). */
  readonly sent: number;
  /** AU samples not delivered to slow clients. */
  readonly droppedAu: number;
  /** Clients cut off because their send buffer stayed over the bound. */
  readonly slowDisconnects: number;
  /** Largest send buffer seen on any client (bytes). */
  readonly maxBuffered: number;
}

interface Client {
  readonly ws: WebSocket;
  readonly sub: Subscription;
  alive: boolean;
  gap: number;
  closing: boolean;
  /** Since when the send buffer has stayed over half the bound (0: it is not). */
  overSince: number;
}

/** Largest WebSocket frame header for a server frame (no mask): 2 + 8 bytes of extended length. */
const FRAME_HEADER_MAX = 10;
/** Messages kept per stream so a client that subscribes late sees recent history at once. */
const REPLAYED: ReadonlySet<Channel> = new Set([
  'emotion',
  'status',
  'engagement',
  'track',
  'attention',
  'room',
  'room_moment',
]);

function tokenOk(expected: string, req: IncomingMessage): boolean {
  if (!expected) return true;
  // not `new URL(req.url, base)`: a target such as `//%2500` parses as a host and throws
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const auth = req.headers.authorization;
  const given = query.get('token') ?? (auth?.startsWith('Bearer ') ? auth.slice(7) : '');
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * WebSocket channels for browsers. Each message is serialised once and sent to every client whose
 * subscription matches. Backpressure per client: past half of `maxBufferedBytes` AU samples are
 * dropped (a `gap` notice follows once the buffer drains); past the full bound the client is cut
 * off with close code 4408, as it is when its buffer stays over half the bound for `stallMs`; so a
 * stalled client costs at most the bound in server memory.
 */
export class WsHub implements Publisher {
  readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly clients = new Set<Client>();
  private readonly recent = new Map<string, { channel: Channel; data: Buffer }[]>();
  private readonly pinger: NodeJS.Timeout;
  private sent = 0;
  private droppedAu = 0;
  private slowDisconnects = 0;
  private maxBuffered = 0;

  constructor(
    private readonly cfg: WsConfig,
    private readonly log: SinkLog = () => {},
  ) {
    this.pinger = setInterval(() => this.pingAll(), cfg.pingIntervalMs);
    this.pinger.unref();
  }

  /**
   * Hands an HTTP upgrade request to the hub (the HTTP server routes `/ws` here). `authorized`, when given,
   * is the server's decision (its API tokens); otherwise the hub checks `sink.ws.token` itself.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, authorized?: boolean): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (!(authorized ?? tokenOk(this.cfg.token, req))) {
        ws.close(
          WS_CLOSE.unauthorized,
          'unauthorized: pass the token as ?token=… or Authorization: Bearer …',
        );
        return;
      }
      this.accept(ws);
    });
  }

  stats(): WsHubStats {
    return {
      clients: this.clients.size,
      sent: this.sent,
      droppedAu: this.droppedAu,
      slowDisconnects: this.slowDisconnects,
      maxBuffered: this.maxBuffered,
    };
  }

  publish(msg: Message): void {
    const channel = msg.type as Channel;
    const keep = REPLAYED.has(channel) && this.cfg.replay > 0;
    if (!keep && this.clients.size === 0) return;
    const data = Buffer.from(JSON.stringify(msg));
    const key = routeKey(msg);
    if (keep) {
      const ring = this.recent.get(key) ?? [];
      ring.push({ channel, data });
      if (ring.length > this.cfg.replay) ring.shift();
      this.recent.set(key, ring);
    }
    for (const c of this.clients) {
      if (!c.closing && c.sub.matches(key, channel)) this.deliver(c, data, channel === 'au');
    }
  }

  /** Drops the replay history of a removed stream. */
  forgetStream(streamId: string): void {
    this.recent.delete(streamId);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const c of this.clients) c.ws.close(WS_CLOSE.goingAway, 'server shutting down');
    const t = setTimeout(() => {
      for (const c of this.clients) c.ws.terminate();
    }, 1000);
    await new Promise<void>((r) => this.wss.close(() => r()));
    clearTimeout(t);
  }

  private accept(ws: WebSocket): void {
    const c: Client = { ws, sub: new Subscription(), alive: true, gap: 0, closing: false, overSince: 0 };
    this.clients.add(c);
    ws.on('pong', () => {
      c.alive = true;
    });
    ws.on('close', () => this.clients.delete(c));
    ws.on('error', () => this.clients.delete(c));
    ws.on('message', (raw, isBinary) => this.onRequest(c, isBinary ? '' : raw.toString()));
    this.control(c, {
      type: 'hello',
      v: WS_PROTOCOL_VERSION,
      pingIntervalMs: this.cfg.pingIntervalMs,
      maxBufferedBytes: this.cfg.maxBufferedBytes,
    });
  }

  private onRequest(c: Client, text: string): void {
    const r = parseClientRequest(text);
    if (!r.ok) this.control(c, { type: 'error', message: r.error });
    else if (r.req.op === 'ping') this.control(c, { type: 'pong', atMs: Date.now() });
    else this.subscribe(c, r.req);
  }

  private subscribe(c: Client, req: Exclude<ClientRequest, { op: 'ping' }>): void {
    c.sub.apply(req);
    this.control(c, { type: 'subscribed', ...c.sub.describe() });
    if (req.op === 'subscribe') this.replay(c, req.streams);
  }

  private replay(c: Client, streams: readonly string[]): void {
    const ids = streams.includes('*') ? [...this.recent.keys()] : streams;
    for (const id of ids) {
      for (const { channel, data } of this.recent.get(id) ?? []) {
        if (c.sub.matches(id, channel)) this.deliver(c, data, false);
      }
    }
  }

  private control(c: Client, obj: Record<string, unknown>): void {
    this.deliver(c, Buffer.from(JSON.stringify(obj)), false);
  }

  private deliver(c: Client, data: Buffer, droppable: boolean): void {
    const max = this.cfg.maxBufferedBytes;
    const buffered = c.ws.bufferedAmount;
    if (buffered > this.maxBuffered) this.maxBuffered = buffered;
    if (buffered + data.length > max / 2) {
      // Over half the bound for `stallMs`: even without AU samples the client cannot keep up.
      const now = Date.now();
      c.overSince ||= now;
      if (now - c.overSince > this.cfg.stallMs) {
        this.cutOff(c, buffered);
        return;
      }
    } else c.overSince = 0;
    if (droppable && buffered + data.length > max / 2) {
      c.gap++;
      this.droppedAu++;
      return;
    }
    // A pending gap notice goes out first; every frame also carries a header of up to 10 bytes, which
    // bufferedAmount counts, so both are part of what this send adds to the buffer.
    const gapNotice =
      c.gap > 0 && buffered < max / 4
        ? Buffer.from(JSON.stringify({ type: 'gap', channel: 'au', dropped: c.gap }))
        : undefined;
    const adds = data.length + FRAME_HEADER_MAX + (gapNotice ? gapNotice.length + FRAME_HEADER_MAX : 0);
    if (buffered + adds > max) {
      this.cutOff(c, buffered);
      return;
    }
    if (gapNotice) {
      c.ws.send(gapNotice, { binary: false });
      c.gap = 0;
    }
    c.ws.send(data, { binary: false });
    this.sent++;
  }

  private cutOff(c: Client, buffered: number): void {
    c.closing = true;
    this.slowDisconnects++;
    this.log('warn', 'WebSocket client too slow: disconnected', { buffered });
    // The close frame would queue behind the full buffer; end the socket so its memory is freed now.
    c.ws.close(WS_CLOSE.tooSlow, `too slow: send buffer over ${this.cfg.maxBufferedBytes} bytes`);
    c.ws.terminate();
    this.clients.delete(c);
  }

  private pingAll(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        c.ws.terminate();
        this.clients.delete(c);
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}
