import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The service's Prometheus metrics in their own registry (no global state). Other code updates them
 * through this object, e.g. `metrics.frames.inc({ stream })`, `metrics.batchSize.observe(n)`.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly frames = new Counter({
    name: 'aupipe_frames_total',
    help: 'Frames decoded and handed to the pipeline.',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });
  readonly faces = new Counter({
    name: 'aupipe_faces_total',
    help: 'Faces observed (detected or tracked), summed over frames.',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });
  readonly messages = new Counter({
    name: 'aupipe_messages_total',
    help: 'Messages published, by stream and type.',
    labelNames: ['stream', 'type'] as const,
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'aupipe_classify_batch_size',
    help: 'Faces per classifier batch (the shared cross-stream batcher).',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'aupipe_latency_seconds',
    help: 'Latency from a frame being decoded to its AU sample being published.',
    labelNames: ['stream'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly drops = new Counter({
    name: 'aupipe_drops_total',
    help: 'Items dropped under backpressure, by where (frames, samples, ws_au, nats_outbox).',
    labelNames: ['where'] as const,
    registers: [this.registry],
  });
  readonly reconnects = new Counter({
    name: 'aupipe_reconnects_total',
    help: 'Reconnect attempts, by stream (live sources) or by sink (nats).',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });
  readonly streams = new Gauge({
    name: 'aupipe_streams',
    help: 'Streams known to the service, by state.',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly wsClients = new Gauge({
    name: 'aupipe_ws_clients',
    help: 'Connected WebSocket clients.',
    registers: [this.registry],
  });
  readonly uploads = new Counter({
    name: 'aupipe_uploads_total',
    help: 'Upload attempts, by result (accepted, too_large, not_video, bad_request, conflict: id exists, too_many: server.maxStreams).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  private readonly hooks: (() => void)[] = [];

  /** Runs `fn` before each scrape, to copy counters kept elsewhere (sink and batcher stats) into metrics. */
  onScrape(fn: () => void): void {
    this.hooks.push(fn);
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    for (const h of this.hooks) h();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
