import { createSinks } from '../compose.js';
import type { Config } from '../config/index.js';
import { parseSource } from '../ingest/index.js';
import type { NatsPublisher, Publisher } from '../sink/index.js';
import { type AupipeServer, createServer, type ServiceLog } from './app.js';
import { assertSafeBind } from './auth.js';
import { Metrics } from './metrics.js';
import type { StreamFactory } from './stream-manager.js';

export interface ServiceOptions {
  readonly config: Config;
  readonly factory: StreamFactory;
  readonly log?: ServiceLog;
  readonly metrics?: Metrics;
  /** Also write every message to this JSONL file. */
  readonly jsonl?: string;
  /** More sinks (e.g. a test's recorder). */
  readonly publishers?: readonly Publisher[];
}

export interface Service {
  /** Dashboard and API base URL. */
  readonly url: string;
  /** The NATS server in use ('' when NATS is disabled). */
  readonly natsUrl: string;
  readonly server: AupipeServer;
  readonly nats?: NatsPublisher;
  close(): Promise<void>;
}

/**
 * `aupipe serve`: NATS (the configured broker, or an embedded loopback nats-server with its store under
 * `server.dataDir/nats` when `sink.nats.url` is empty), the HTTP/WebSocket server, and the streams
 * listed in `server.streams`.
 */
export async function startService(o: ServiceOptions): Promise<Service> {
  const { config } = o;
  assertSafeBind(config); // before the broker starts: nothing to clean up
  const log = o.log ?? (() => {});
  const metrics = o.metrics ?? new Metrics();
  const sinks = await createSinks(config, log, {
    embeddedNats: true,
    ws: true,
    ...(o.jsonl ? { jsonl: o.jsonl } : {}),
    ...(o.publishers ? { extra: o.publishers } : {}),
  });
  const { nats, natsUrl } = sinks;
  if (nats) {
    let lastDropped = 0;
    let lastReconnects = 0;
    metrics.onScrape(() => {
      const s = nats!.stats();
      if (s.dropped > lastDropped) metrics.drops.inc({ where: 'nats_outbox' }, s.dropped - lastDropped);
      if (s.reconnects > lastReconnects)
        metrics.reconnects.inc({ stream: 'nats' }, s.reconnects - lastReconnects);
      lastDropped = s.dropped;
      lastReconnects = s.reconnects;
    });
  }
  let server: AupipeServer;
  try {
    server = createServer({
      config,
      factory: o.factory,
      metrics,
      log,
      hub: sinks.hub!,
      publishers: sinks.publishers,
      // the truth about the broker: down (embedded one dead, or no connection) makes /healthz degraded
      health: () => {
        if (!nats) return { nats: { enabled: false } };
        const s = nats.stats();
        const broker = sinks.broker?.();
        const down = !s.connected || broker?.up === false;
        return {
          nats: { url: natsUrl, ...s, ...(broker && { embedded: broker }) },
          ...(down && { degraded: ['nats'] }),
        };
      },
      ...(nats ? { purge: (subjects: readonly string[]) => nats.purge(subjects) } : {}),
    });
  } catch (err) {
    await Promise.all(sinks.publishers.map((p) => p.close().catch(() => {})));
    await sinks.stopBroker();
    throw err;
  }
  try {
    for (const s of config.server.streams) {
      server.manager.add(parseSource(s.url), { loop: s.loop, ...(s.id && { id: s.id }) });
    }
    const url = await server.listen();
    log('info', 'aupipe service listening', { url, dashboard: `${url}/`, nats: natsUrl });
    return {
      url,
      natsUrl,
      server,
      ...(nats && { nats }),
      async close() {
        await server.close();
        await sinks.stopBroker();
      },
    };
  } catch (err) {
    await server.close().catch(() => {});
    await sinks.stopBroker();
    throw err;
  }
}
