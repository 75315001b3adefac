import { mergeMap, takeUntil } from 'rxjs';
import { type Config, type ConfigInput, configSchema } from '../../src/config/index.js';
import { openSource } from '../../src/ingest/index.js';
import type { StreamFactory } from '../../src/server/stream-manager.js';
import type { Message } from '../../src/types.js';

/** A config for tests: free port, own data dir, no embedded NATS unless asked. */
export function testConfig(dataDir: string, over: ConfigInput = {}): Config {
  return configSchema.parse({
    ...over,
    server: { port: 0, dataDir, ...over.server },
    sink: { ...over.sink, nats: { enabled: false, ...over.sink?.nats } },
    logLevel: 'silent',
  });
}

/**
 * A light real factory for API tests: real ffmpeg ingest, its status events as messages, frames
 * counted and released (no face models). End-to-end tests use `src/pipeline.ts` instead.
 */
export function ingestOnlyFactory(config: Config): StreamFactory {
  return (id, spec, o) =>
    openSource(id, spec, { ...config.ingest, loop: o.loop }).pipe(
      takeUntil(o.stop$),
      mergeMap((e): Message[] => {
        if (e.kind === 'status') return [e.status];
        o.onFrame();
        e.frame.release();
        return [];
      }),
    );
}
