import { readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { ServerError } from '../errors.js';
import { FanoutPublisher, type Publisher, type WsHub } from '../sink/index.js';
import { assertSafeBind, registerAuth, wsAuthorized } from './auth.js';
import { IngestEndpoint } from './ingest.js';
import { Metrics } from './metrics.js';
import { RoomTokens } from './room-tokens.js';
import { RoomRegistry } from './rooms.js';
import { registerRoomRoutes } from './rooms-routes.js';
import { registerRoutes } from './routes.js';
import { hostPolicy, type Resolver } from './source-hosts.js';
import { type StreamFactory, StreamManager } from './stream-manager.js';
import { registerBrowserClient } from './student-page.js';
import { removeUploads } from './uploads.js';

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
  /**
   * Extra fields for GET /healthz (e.g. NATS connection state); `degraded` names the parts that are down,
   * which makes `ok` false and the answer 503.
   */
  readonly health?: () => Record<string, unknown> & { degraded?: readonly string[] };
  /** DNS for the RTSP host allowlist (tests inject one). */
  readonly resolve?: Resolver;
  /** Purges JetStream messages on subjects (room deletion); absent without NATS. */
  readonly purge?: (subjects: readonly string[]) => Promise<number>;
}

export interface AupipeServer {
  readonly app: FastifyInstance;
  readonly manager: StreamManager;
  readonly rooms: RoomRegistry;
  readonly hub: WsHub;
  readonly metrics: Metrics;
  /** The browser ingest endpoint on /ingest (null when `browser.enabled` is off). */
  readonly ingest: IngestEndpoint | null;
  /** Room tokens issued through POST /api/rooms/:id/tokens (in memory). */
  readonly roomTokens: RoomTokens;
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
  '/favicon.svg': 'favicon.svg',
  '/favicon.ico': 'favicon.svg',
  '/room': 'room.html',
  '/room.js': 'room.js',
};
/** The student page and what it loads, served without a token (see auth.ts). */
const STUDENT_PUBLIC = { paths: ['/student'], prefixes: ['/client/', '/models/', '/ort/'] };
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Builds the service: HTTP API, dashboard, WebSocket hub on /ws, stream manager, metrics. */
const FLUSH_LIMIT_MS = 5000;

export function createServer(o: CreateServerOptions): AupipeServer {
  const { config } = o;
  assertSafeBind(config);
  const hosts = hostPolicy(config.server.rtspAllowHosts);
  const uploadDir = path.join(config.server.dataDir, 'uploads');
  const metrics = o.metrics ?? new Metrics();
  const { hub } = o;
  const sinks = new FanoutPublisher([hub, ...(o.publishers ?? [])]);
  const roomTokens = new RoomTokens({
    maxTtlSec: config.rooms.tokenTtlSec,
    maxTokens: config.rooms.maxTokens,
  });
  // Streams' messages feed their room's aggregator on the way to the sinks.
  const rooms: RoomRegistry = new RoomRegistry({
    config: config.rooms,
    publisher: sinks,
    removeStream: async (id) => {
      // a browser client of the room is disconnected (4410: it does not reconnect and recreate the room)
      if (ingest?.disconnect(id)) return true;
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
  // strict bodies and queries: an unknown key is a 400 naming it, not silently dropped
  const app = Fastify({
    logger: false,
    bodyLimit: 1 << 20,
    ajv: { customOptions: { removeAdditional: false } },
  });
  // first, on the root: every route, whichever plugin or branch adds it later, is behind the token check
  // the student page's files are public (code, models, WASM: no data), so a room token alone opens the page
  const studentFiles = config.browser.enabled ? STUDENT_PUBLIC : { paths: [], prefixes: [] };
  registerAuth(
    app,
    config.server.auth,
    [...Object.keys(STATIC), ...studentFiles.paths],
    studentFiles.prefixes,
  );
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
    hosts,
    ...(o.resolve && { resolve: o.resolve }),
    health: () => {
      const ws = hub.stats();
      metrics.wsClients.set(ws.clients);
      const extra = o.health?.() ?? {};
      const degraded = extra.degraded ?? [];
      return { ok: degraded.length === 0, streams: manager.list().length, ws, ...extra, degraded };
    },
  });
  registerRoomRoutes(app, {
    rooms,
    manager,
    tokens: roomTokens,
    browserClient: (id) =>
      ingest?.list().some((c) => c.streamId === id) ? { id, kind: 'browser', state: 'live' } : undefined,
  });
  // Browser clients: the student page and its files, and /ingest, publishing into the same sinks.
  const ingest = config.browser.enabled
    ? new IngestEndpoint({
        browser: config.browser,
        token: config.sink.ws.token,
        apiTokens: config.server.auth.tokens,
        roomTokens,
        publisher: sinks,
        rooms,
        ...(o.log && { log: o.log }),
      })
    : null;
  if (ingest) {
    registerBrowserClient(app, config, roomTokens);
    app.get('/api/ingest/clients', async () => ({ clients: ingest.list(), stats: ingest.stats() }));
  }
  app.server.on('upgrade', (req, socket, head) => {
    // the path by hand: `new URL()` throws on targets like `//x%00`, and a throw here would kill the process
    const where = (req.url ?? '').split('?')[0];
    if (where === '/ws') hub.handleUpgrade(req, socket, head, wsAuthorized(req, config));
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

  const uploadFiles = () =>
    new Set(
      manager
        .list()
        .filter((s) => s.kind === 'upload')
        .map((s) => s.source),
    );

  return {
    app,
    manager,
    rooms,
    hub,
    metrics,
    ingest,
    roomTokens,
    async listen() {
      // uploads exist only to be analysed by this process: what an earlier run left behind goes
      const orphans = removeUploads(uploadDir, uploadFiles());
      if (orphans) o.log?.('info', 'removed orphaned uploads', { count: orphans, dir: uploadDir });
      try {
        await app.listen({ host: config.server.host, port: config.server.port });
      } catch (err) {
        const code = (err as { code?: string }).code;
        const where = `${config.server.host}:${config.server.port}`;
        if (code === 'EADDRINUSE')
          throw new ServerError(
            'SERVER_PORT_IN_USE',
            `port ${config.server.port} on ${config.server.host} is in use (another aupipe?): stop it or pick another server.port`,
          );
        throw new ServerError(
          'SERVER_LISTEN_FAILED',
          `cannot listen on ${where}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      const a = app.server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      return `http://${host}:${a.port}`;
    },
    async close() {
      rooms.close();
      const uploads = uploadFiles();
      await manager.close();
      for (const f of uploads) rmSync(f, { force: true });
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
