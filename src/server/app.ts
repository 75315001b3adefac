import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { FanoutPublisher, type Publisher, type WsHub } from '../sink/index.js';
import { IngestEndpoint } from './ingest.js';
import { Metrics } from './metrics.js';
import { registerRoutes } from './routes.js';
import { type StreamFactory, StreamManager } from './stream-manager.js';
import { registerBrowserClient } from './student-page.js';

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
}

export interface AupipeServer {
  readonly app: FastifyInstance;
  readonly manager: StreamManager;
  readonly hub: WsHub;
  readonly metrics: Metrics;
  /** The browser ingest endpoint on /ingest (null when `browser.enabled` is off). */
  readonly ingest: IngestEndpoint | null;
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
  const manager = new StreamManager({
    factory: o.factory,
    publisher: sinks,
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
    metrics,
    dataDir: config.server.dataDir,
    maxUploadBytes: config.server.maxUploadBytes,
    health: () => {
      const ws = hub.stats();
      metrics.wsClients.set(ws.clients);
      return { streams: manager.list().length, ws, ...o.health?.() };
    },
  });
  // Browser clients: the student page and its files, and /ingest, publishing into the same sinks.
  const ingest = config.browser.enabled
    ? new IngestEndpoint({
        browser: config.browser,
        token: config.sink.ws.token,
        publisher: sinks,
        ...(o.log && { log: o.log }),
      })
    : null;
  if (ingest) {
    registerBrowserClient(app, config);
    app.get('/api/ingest/clients', async () => ({ clients: ingest.list(), stats: ingest.stats() }));
  }
  app.server.on('upgrade', (req, socket, head) => {
    const where = new URL(req.url ?? '/', 'http://x').pathname;
    if (where === '/ws') hub.handleUpgrade(req, socket, head);
    else if (where === '/ingest' && ingest) ingest.handleUpgrade(req, socket, head);
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
    hub,
    metrics,
    ingest,
    async listen() {
      await app.listen({ host: config.server.host, port: config.server.port });
      const a = app.server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      return `http://${host}:${a.port}`;
    },
    async close() {
      await manager.close();
      await ingest?.close();
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
