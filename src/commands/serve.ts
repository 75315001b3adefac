import path from 'node:path';
import { type Config, PACKAGE_ROOT } from '../config/index.js';
import { createLogger, type Logger } from '../log.js';
import { serve } from '../server/index.js';
import { startApiNode } from './api.js';
import { configFrom } from './common.js';

export interface ServeOptions {
  readonly config?: string;
  readonly logLevel?: string;
  readonly jsonl?: string;
  readonly flags: Record<string, unknown>;
  /** The demo: the bundled sample video as a looping, live-paced stream. */
  readonly demo?: boolean;
  /** `api`: a stateless cluster API node (commands/api.ts) instead of the in-process service. */
  readonly role?: 'all' | 'api';
}

/** Resolves once the service has stopped (SIGINT/SIGTERM): streams end their events, sinks flush. */
export async function serveCommand(o: ServeOptions): Promise<number> {
  const flags = { ...o.flags };
  if (o.demo) {
    flags['server.streams'] = [
      { id: 'sample', url: path.join(PACKAGE_ROOT, 'assets', 'sample.mp4'), loop: true },
    ];
    // a file decodes faster than real time; pace it like a camera so the dashboard shows a live stream
    flags['ingest.realtime'] = true;
  }
  const config = configFrom(o, flags);
  const log = createLogger(config.logLevel);
  if (o.role === 'api') return serveApiRole(config, log);
  const svc = await serve(config, log, o.jsonl ? { jsonl: o.jsonl } : {});
  process.stdout.write(
    `aupipe is serving\n  dashboard  ${svc.url}/\n  API        ${svc.url}/api/streams\n  WebSocket  ${svc.url.replace(/^http/, 'ws')}/ws\n  NATS       ${svc.natsUrl}${config.sink.nats.url ? '' : ' (embedded)'}\nPress Ctrl-C to stop.\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (sig: NodeJS.Signals) => {
      log.info({ signal: sig }, 'stopping');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.once('SIGINT', () => process.exit(130)); // a second Ctrl-C does not wait
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await svc.close();
  return 0;
}

async function serveApiRole(config: Config, log: Logger): Promise<number> {
  const api = await startApiNode(config, log);
  process.stdout.write(`aupipe api node is serving\n  API        ${api.url}/api/streams\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await api.close();
  return 0;
}
