import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { FanoutPublisher, type Publisher, type WsHub } from '../sink/index.js';
import { Metrics } from './metrics.js';
import { RoomRegistry } from './rooms.js';
import { registerRoomRoutes } from './rooms-routes.js';
import { registerRoutes } from './routes.js';
import { type StreamFactory, StreamManager } from './stream-manager.js';

export type ServiceLog = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export interface CreateServerOptions {
  readonly config: Config;
  readonly factory: StreamFactory;
  /** The WebSocket hub, mounted on /ws (built by `createSinks`, src/compose.ts). */
  readonly hub: WsHub;
  /** Sinks besides the WebSocket hub (NATS, JSONL); the service fans every message out to all. */
  readonly publishers?: readonly Publisher[];
  readonly metrics?: Metrics;
  readonly log?: ServiceLog;
  /** Extra fields for GET /healthz (e.g. NATS connection state). */
  readonly health?: () => Record<string, unknown>;
  /** Purges JetStream messages on subjects (room deletion); absent without NATS. */
  readonly purge?: (subjects: readonly string[]) => Promise<number>;
}

export interface AupipeServer {
  readonly app: FastifyInstance;
  readonly manager: StreamManager;
  readonly rooms: RoomRegistry;
  readonly hub: WsHub;
  readonly metrics: Metrics;
  /** Listens on `server.host:server.port`; resolves with the base URL (http://host:port). */
  listen(): Promise<string>;
  /** Stops every stream, closes WebSocket clients and the HTTP server, then flushes/closes the sinks. */
  close(): Promise<void>;
}

const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');
const STATIC: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/charts.js': 'charts.js',
  '/style.css': 'style.css',
  '/room': 'room.html',
  '/room.js': 'room.js',
};
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Builds the service: HTTP API, dashboard, WebSocket hub on /ws, stream manager, metrics. */
const FLUSH_LIMIT_MS = 5000;

export function createServer(o: CreateServerOptions): AupipeServer {
  const { config } = o;
  const metrics = o.metrics ?? new Metrics();
  const { hub } = o;
  const sinks = new FanoutPublisher([hub, ...(o.publishers ?? [])]);
  // Streams' messages feed their room's aggregator on the way to the sinks.
  const rooms: RoomRegistry = new RoomRegistry({
    config: config.rooms,
    publisher: sinks,
    removeStream: async (id) => {
      const info = manager.get(id);
      const ok = await manager.remove(id);
      if (info?.kind === 'upload') await rm(info.source, { force: true });
      return ok;
    },
    ...(o.purge ? { purge: o.purge } : {}),
    forget: (key) => hub.forgetStream(key),
    subjectPrefix: config.sink.nats.subjectPrefix,
  });
  const manager = new StreamManager({
    factory: o.factory,
    publisher: {
      publish: (msg) => {
        rooms.observe(msg);
        sinks.publish(msg);
      },
      flush: () => sinks.flush(),
      close: () => sinks.close(),
      undelivered: () => sinks.undelivered(),
    },
    metrics,
    maxStreams: config.server.maxStreams,
    ...(o.log && { log: o.log }),
  });
  const app = Fastify({ logger: false, bodyLimit: 1 << 20 });
  void app.register(multipart);
  // Raw uploads (any type but JSON and multipart) stream straight to disk: the route gets the stream.
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  for (const [route, file] of Object.entries(STATIC)) {
    const body = readFileSync(path.join(PUBLIC_DIR, file));
    const type = TYPES[path.extname(file)]!;
    app.get(route, async (_req, reply) => reply.type(type).header('cache-control', 'no-cache').send(body));
  }
  registerRoutes(app, {
    manager,
    rooms,
    metrics,
    dataDir: config.server.dataDir,
    maxUploadBytes: config.server.maxUploadBytes,
    health: () => {
      const ws = hub.stats();
      metrics.wsClients.set(ws.clients);
      return { streams: manager.list().length, ws, ...o.health?.() };
    },
  });
  registerRoomRoutes(app, { rooms, manager });
  app.server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === '/ws') hub.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  // Sink counters are read when Prometheus scrapes.
  let lastDropped = 0;
  metrics.onScrape(() => {
    const s = hub.stats();
    metrics.wsClients.set(s.clients);
    if (s.droppedAu > lastDropped) metrics.drops.inc({ where: 'ws_au' }, s.droppedAu - lastDropped);
    lastDropped = s.droppedAu;
  });

  return {
    app,
    manager,
    rooms,
    hub,
    metrics,
    async listen() {
      await app.listen({ host: config.server.host, port: config.server.port });
      const a = app.server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      return `http://${host}:${a.port}`;
    },
    async close() {
      rooms.close();
      await manager.close();
      await hub.close();
      await app.close();
      // a broker that is gone cannot be flushed: wait a bounded time, then close (each sink bounds its own close)
      await Promise.race([
        sinks.flush().catch(() => {}),
        new Promise((r) => setTimeout(r, FLUSH_LIMIT_MS).unref()),
      ]);
      await Promise.all((o.publishers ?? []).map((p) => p.close().catch(() => {})));
    },
  };
}
