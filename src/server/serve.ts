import { createPipelineDeps } from '../compose.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { assertSafeBind } from './auth.js';
import { pipelineFactory, watchBatcher } from './factory.js';
import { Metrics } from './metrics.js';
import { type Service, startService } from './service.js';

/**
 * Everything `aupipe serve` needs: the shared pipeline parts (detector, batcher, rules), the service
 * (NATS, HTTP, WebSocket, dashboard) and the streams in `server.streams`. `close()` stops the streams,
 * the sinks, the embedded broker and the models, in that order.
 */
export async function serve(
  config: Config,
  log?: Logger,
  o: { readonly jsonl?: string } = {},
): Promise<Service> {
  assertSafeBind(config); // before the models load: refusing takes no time
  const deps = await createPipelineDeps(config, log);
  const metrics = new Metrics();
  watchBatcher(metrics, () => deps.batcher.stats());
  try {
    const service = await startService({
      config,
      factory: pipelineFactory(deps),
      metrics,
      ...(o.jsonl ? { jsonl: o.jsonl } : {}),
      ...(log && { log: (level, msg, fields) => log[level](fields ?? {}, msg) }),
    });
    return {
      ...service,
      async close() {
        await service.close();
        await deps.close();
      },
    };
  } catch (err) {
    await deps.close();
    throw err;
  }
}
