/**
 * The composition root: the one place that builds the models (face detector, AU estimator, crop spec),
 * the sinks and the shared pipeline parts from the config. `run`, `serve`, `analyze`, `eval`, the
 * service and the bench all build through these functions; stages never construct each other.
 */
import path from 'node:path';
import { AuBatcher, type AuEstimator, type CropSpec, createEstimator } from './classify/index.js';
import type { Config } from './config/index.js';
import { createFaceDetector, type FaceDetector, TEMPLATE_ID } from './detect/index.js';
import { loadRules } from './emotion/index.js';
import { openSource } from './ingest/index.js';
import type { Logger } from './log.js';
import type { PipelineDeps } from './pipeline.js';
import {
  type EmbeddedNats,
  JsonlPublisher,
  NatsPublisher,
  type Publisher,
  type SinkLog,
  startNatsServer,
  WsHub,
} from './sink/index.js';
import type { AuVector, FaceObservation } from './types.js';

export interface Models {
  /** Absent only when asked for without one (`detector: false`). */
  readonly detector: FaceDetector;
  readonly estimator: AuEstimator;
  /** What the detector's aligned crops are and the estimator expects: crop size and alignment template. */
  readonly crop: CropSpec;
  /** Closes the estimator, then the detector. */
  close(): Promise<void>;
}

export interface ModelOptions {
  readonly log?: Logger;
  /** false: no detector (the CNN on stored aligned crops needs none). Default true. */
  readonly detector?: boolean;
  /** Stills (analyze, eval): faces are read against the canonical neutral, never a per-track baseline. */
  readonly stills?: boolean;
  /** Sees each face's mesh-student features (`aupipe dataset features`); mesh estimator only. */
  readonly onFeatures?: (face: FaceObservation, features: Float32Array, aus: AuVector) => void;
}

/**
 * The configured face detector (blazeface + mesh on ONNX Runtime or tfjs, in-process or a worker pool).
 * Commands that need only a detector (dataset building, the detector benchmarks) open it here too.
 */
export function createDetector(cfg: Config['detect']): Promise<FaceDetector> {
  return createFaceDetector(cfg);
}

/**
 * The configured detector and AU estimator, agreeing on the crop (`detect.cropSize`, the production
 * alignment template). Closes what it built when a later part fails.
 */
export async function createModels(config: Config, o?: ModelOptions & { detector?: true }): Promise<Models>;
export async function createModels(
  config: Config,
  o: ModelOptions,
): Promise<Omit<Models, 'detector'> & { readonly detector?: FaceDetector }>;
export async function createModels(config: Config, o: ModelOptions = {}) {
  const crop: CropSpec = { size: config.detect.cropSize, templateId: TEMPLATE_ID };
  const detector = o.detector === false ? undefined : await createDetector(config.detect);
  try {
    const log = o.log;
    const estimator = await createEstimator(config.classify, {
      crop,
      ...(o.stills && { stills: true }),
      ...(o.onFeatures && { onFeatures: o.onFeatures }),
      ...(log && { log: (m: string) => log.info(m) }),
    });
    log?.info(
      { estimator: estimator.name, provider: (estimator as { provider?: string }).provider ?? 'n/a' },
      'AU estimator ready',
    );
    return {
      ...(detector && { detector }),
      estimator,
      crop,
      async close() {
        await estimator.close();
        await detector?.close();
      },
    };
  } catch (err) {
    await detector?.close();
    throw err;
  }
}

/** Builds the shared parts once per process: models, the cross-stream batcher, rules, the frame source. */
export async function createPipelineDeps(
  config: Config,
  log?: Logger,
  o: Pick<ModelOptions, 'onFeatures'> = {},
): Promise<PipelineDeps & { close(): Promise<void> }> {
  const rules = loadRules(config.emotion.rules);
  const models = await createModels(config, { ...(log ? { log } : {}), ...o });
  const batcher = new AuBatcher(models.estimator, config.classify);
  return {
    config,
    detector: models.detector,
    batcher,
    rules,
    source: openSource,
    async close() {
      await batcher.close();
      await models.close();
    },
  };
}

export interface SinkOptions {
  /** Also write every message to this file, one JSON object a line. */
  readonly jsonl?: string;
  /**
   * With NATS enabled and no `sink.nats.url`, start an embedded loopback nats-server (store under
   * `server.dataDir/nats`, or `natsStoreDir`): `serve` and the demo do; `run` publishes only to a
   * configured broker.
   */
  readonly embeddedNats?: boolean;
  readonly natsStoreDir?: string;
  /** Also build the WebSocket hub (the service mounts it on /ws). */
  readonly ws?: boolean;
  /** More sinks, published to after the built ones (e.g. a test's recorder). */
  readonly extra?: readonly Publisher[];
}

export interface Sinks {
  /** Every sink but the WebSocket hub, in publish order: NATS, JSONL, then `extra`. */
  readonly publishers: readonly Publisher[];
  readonly hub?: WsHub;
  readonly nats?: NatsPublisher;
  /** The NATS server in use ('' when NATS is off). */
  readonly natsUrl: string;
  /** Stops the embedded nats-server, if one was started; call after the publishers are closed. */
  stopBroker(): Promise<void>;
}

/** The configured sinks (see SinkOptions). `log` receives the sinks' own warnings (reconnects, drops). */
export async function createSinks(config: Config, log?: SinkLog, o: SinkOptions = {}): Promise<Sinks> {
  const ncfg = config.sink.nats;
  let embedded: EmbeddedNats | undefined;
  let natsUrl = '';
  if (ncfg.enabled && ncfg.url) natsUrl = ncfg.url;
  else if (ncfg.enabled && o.embeddedNats) {
    embedded = await startNatsServer({
      storeDir: o.natsStoreDir ?? path.join(config.server.dataDir, 'nats'),
      bin: ncfg.serverBin,
    });
    natsUrl = embedded.url;
    log?.('info', 'embedded nats-server started', { url: natsUrl });
  }
  const nats = natsUrl ? new NatsPublisher(ncfg, natsUrl, log) : undefined;
  const publishers = [
    ...(nats ? [nats] : []),
    ...(o.jsonl ? [new JsonlPublisher(o.jsonl)] : []),
    ...(o.extra ?? []),
  ];
  return {
    publishers,
    ...(o.ws && { hub: new WsHub(config.sink.ws, log) }),
    ...(nats && { nats }),
    natsUrl,
    async stopBroker() {
      await embedded?.stop();
    },
  };
}
