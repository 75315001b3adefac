/**
 * `aupipe worker`: analyses the streams it claims from the cluster (JetStream KV specs and leases, see
 * src/cluster and docs/cluster.md). Each claimed stream runs through `streamPipeline` with the owner's
 * epoch stamped into its ids; events go out through the NATS publisher with deterministic JetStream
 * message ids (a retried publish is deduplicated). SIGTERM drains: open events end with reason
 * `handover`, leases are released, exit 0. A lease that cannot be refreshed stops its stream at once; the
 * next owner ends the events it left open (recorded in the `open` bucket).
 */
import os from 'node:os';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { map, Subject, type Subscription } from 'rxjs';
import {
  ClusterStore,
  handoverEnd,
  LeaseKeeper,
  MsgIds,
  type StopReason,
  type StreamSpec,
  stampOwner,
  trackOpen,
} from '../cluster/index.js';
import { createPipelineDeps } from '../compose.js';
import { ConfigError } from '../errors.js';
import { parseSource } from '../ingest/index.js';
import { createLogger } from '../log.js';
import { streamPipeline } from '../pipeline.js';
import {
  FanoutPublisher,
  JsonlPublisher,
  NatsPublisher,
  natsConnectionOptions,
  type Publisher,
} from '../sink/index.js';
import type { EmotionEvent, Message } from '../types.js';
import { configFrom } from './common.js';

export interface WorkerOptions {
  readonly config?: string;
  readonly logLevel?: string;
  readonly jsonl?: string;
  readonly flags: Record<string, unknown>;
}

interface Running {
  readonly sub: Subscription;
  readonly stop$: Subject<void>;
  readonly done: Promise<void>;
  draining: boolean;
  dead: boolean;
}

const DRAIN_MS = 10_000;

export async function workerCommand(o: WorkerOptions): Promise<number> {
  const config = configFrom(o, o.flags);
  const log = createLogger(config.logLevel, 'aupipe-worker');
  const url = config.sink.nats.url;
  if (!url) throw new ConfigError('CONFIG_INVALID', 'aupipe worker needs the cluster: --nats URL[,URL…]');
  const c = config.cluster;
  const me = c.workerId || `${os.hostname()}-${process.pid}`;
  const nc: NatsConnection = await connect({ ...natsConnectionOptions(config.sink.nats, url), name: me });
  const store = await ClusterStore.open(nc, { replicas: c.replicas, prefix: c.bucketPrefix });
  const deps = await createPipelineDeps(config, log);
  const ids = new MsgIds();
  const sinkLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) =>
    log[level](fields ?? {}, msg);
  const nats = new NatsPublisher(config.sink.nats, url, sinkLog, (m) => ids.of(m));
  const sinks: Publisher[] = [nats, ...(o.jsonl ? [new JsonlPublisher(o.jsonl)] : [])];
  const sink = new FanoutPublisher(sinks);
  const running = new Map<string, Running>();

  const start = async (spec: StreamSpec, epoch: number) => {
    // End what the previous owner left open (it died or was cut off), before this owner's first message.
    const prev = await store.open(spec.id).catch(() => null);
    if (prev && prev.epoch < epoch) {
      for (const e of prev.events) sink.publish(handoverEnd(e, prev.lastMs));
      if (prev.events.length)
        log.info(
          { streamId: spec.id, ended: prev.events.length, from: prev.epoch },
          'ended events left open',
        );
    }
    let open = new Map<string, EmotionEvent>();
    let lastMs = 0;
    let writes = Promise.resolve();
    const r: Partial<Running> & { draining: boolean; dead: boolean } = { draining: false, dead: false };
    const saveOpen = () => {
      const snapshot = { epoch, lastMs, events: [...open.values()] };
      writes = writes.then(() =>
        r.dead ? undefined : store.putOpen(spec.id, snapshot).catch(() => undefined),
      );
    };
    saveOpen();
    const stop$ = new Subject<void>();
    const streamDeps = {
      ...deps,
      config: {
        ...config,
        ingest: { ...config.ingest, loop: spec.loop ?? config.ingest.loop, realtime: spec.realtime ?? true },
      },
    };
    let finish!: () => void;
    const done = new Promise<void>((res) => {
      finish = res;
    });
    const onMsg = (msg: Message) => {
      if (r.dead) return;
      let m = msg;
      if (m.type === 'emotion') {
        if (r.draining && m.phase === 'end') m = { ...m, reason: 'handover' };
        open = trackOpen(open, m);
        if (m.phase !== 'update') saveOpen();
      }
      sink.publish(m);
    };
    const sub = streamPipeline(spec.id, parseSource(spec.source), streamDeps, {
      stop$,
      onFrame: (f) => {
        lastMs = f.ptsMs;
      },
    })
      .pipe(map((m) => stampOwner(m, epoch)))
      .subscribe({
        next: onMsg,
        error: (e) => {
          log.error({ streamId: spec.id, error: String(e) }, 'stream failed');
          finish();
        },
        complete: () => finish(),
      });
    // Once the stream has ended (drained), its open set (now empty) is written before the lease goes.
    const settled = done.then(() => {
      if (!r.dead) saveOpen();
      return writes;
    });
    running.set(spec.id, Object.assign(r, { sub, stop$, done: settled }) as Running);
  };

  const stop = async (id: string, why: StopReason) => {
    const r = running.get(id);
    if (!r) return;
    running.delete(id);
    if (why === 'lost') {
      // Not ours any more: stop at once and publish nothing further; the next owner ends what was open.
      r.dead = true;
      r.sub.unsubscribe();
      log.warn({ streamId: id }, 'stopped stream: lease lost');
      return;
    }
    // A drain hands the stream over (its ends say so); a deleted spec just ends the stream.
    r.draining = why === 'drain';
    r.stop$.next();
    const t = setTimeout(() => r.sub.unsubscribe(), DRAIN_MS);
    await r.done;
    clearTimeout(t);
    log.info({ streamId: id, why }, 'stopped stream');
  };

  const keeper = new LeaseKeeper(
    store,
    {
      me,
      capacity: c.maxStreams,
      ttlMs: c.leaseTtlMs,
      heartbeatMs: c.heartbeatMs,
      stopMarginMs: c.stopMarginMs,
      log: (level, msg, fields) => log[level](fields ?? {}, msg),
    },
    { start, stop },
  );
  await nats.whenReady();
  keeper.start();
  log.info({ worker: me, maxStreams: c.maxStreams, leaseTtlMs: c.leaseTtlMs }, 'worker ready');

  await new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      log.info({ signal: sig }, 'draining: ending open events, releasing leases');
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await keeper.drain();
  await sink.flush().catch(() => undefined);
  await sink.close().catch(() => undefined);
  await deps.close().catch(() => undefined);
  await nc.drain().catch(() => undefined);
  log.info({ worker: me }, 'worker drained');
  return 0;
}
