import type { BatcherStats } from '../classify/index.js';
import { type PipelineDeps, streamPipeline } from '../pipeline.js';
import type { Metrics } from './metrics.js';
import type { StreamFactory } from './stream-manager.js';

/** The production stream factory: one `streamPipeline` per stream over shared deps (batcher, detector). */
export function pipelineFactory(deps: PipelineDeps): StreamFactory {
  const looping: PipelineDeps = {
    ...deps,
    config: { ...deps.config, ingest: { ...deps.config.ingest, loop: true } },
  };
  return (streamId, source, o) =>
    streamPipeline(streamId, source, o.loop ? looping : deps, {
      stop$: o.stop$,
      onFrame: () => o.onFrame(),
      onFrameAus: (f) => o.onFaces(f.faces.length),
    });
}

/** Mirrors the shared batcher's counters (batch sizes, dropped faces) into the metrics at each scrape. */
export function watchBatcher(metrics: Metrics, stats: () => BatcherStats): void {
  let sizes: readonly number[] = [];
  let dropped = 0;
  metrics.onScrape(() => {
    const s = stats();
    s.batchSizes.forEach((count, n) => {
      for (let k = sizes[n] ?? 0; k < count; k++) metrics.batchSize.observe(n);
    });
    sizes = [...s.batchSizes];
    if (s.dropped > dropped) metrics.drops.inc({ where: 'classify_faces' }, s.dropped - dropped);
    dropped = s.dropped;
  });
}
