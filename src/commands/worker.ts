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
  sub: Subscription | undefined;
  readonly stop$: Subject<void>;
  done: Promise<void>;
  draining: boolean;
  /** Lease lost (or the open record taken by a newer owner): publish nothing further. */
  dead: boolean;
  /** Stopped (drain or deleted) before its pipeline started. */
  stopped: boolean;
}

/** Pause between retries of an open-record read or write the broker did not answer (leader election). */
const RETRY_MS = 250;
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

const DRAIN_MS = 10_000;
/** How long a starting worker keeps trying to open the cluster's buckets (a JetStream election, a node down). */
const OPEN_TRY_MS = 120_000;

/**
 * Opens the buckets, retried while JetStream does not answer (a leader election after a node died fails
 * requests for seconds): a worker started at that moment must wait it out, not exit.
 */
async function openStore(
  nc: NatsConnection,
  o: { replicas: number; prefix: string },
  warn: (msg: string, error: string) => void,
): Promise<ClusterStore> {
  const until = Date.now() + OPEN_TRY_MS;
  for (let n = 1; ; n++) {
    try {
      return await ClusterStore.open(nc, o);
    } catch (e) {
      if (Date.now() >= until) throw e;
      if (n === 1) warn('cluster buckets not reachable yet; retrying', String(e));
      await sleep(1000);
    }
  }
}

export async function workerCommand(o: WorkerOptions): Promise<number> {
  const config = configFrom(o, o.flags);
  const log = createLogger(config.logLevel, 'aupipe-worker');
  // Listen for SIGTERM/SIGINT before anything slow (NATS, buckets, the models and detector threads): a signal during
  // start-up then drains like one after it (exit 0) instead of killing the process by the default action.
  let signalled: NodeJS.Signals | undefined;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      signalled = sig;
      log.info({ signal: sig }, 'draining: ending open events, releasing leases');
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  log.info({ pid: process.pid }, 'worker starting');
  const url = config.sink.nats.url;
  if (!url) throw new ConfigError('CONFIG_INVALID', 'aupipe worker needs the cluster: --nats URL[,URL…]');
  const c = config.cluster;
  const me = c.workerId || `${os.hostname()}-${process.pid}`;
  const nc: NatsConnection = await connect({ ...natsConnectionOptions(config.sink.nats, url), name: me });
  const store = await openStore(nc, { replicas: c.replicas, prefix: c.bucketPrefix }, (msg, error) =>
    log.warn({ error }, msg),
  );
  const deps = await createPipelineDeps(config, log);
  const ids = new MsgIds();
  const sinkLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) =>
    log[level](fields ?? {}, msg);
  const nats = new NatsPublisher(config.sink.nats, url, sinkLog, (m) => ids.of(m));
  const sinks: Publisher[] = [nats, ...(o.jsonl ? [new JsonlPublisher(o.jsonl)] : [])];
  const sink = new FanoutPublisher(sinks);
  const running = new Map<string, Running>();

  const warnOnce = new Set<string>();
  const retrying = (streamId: string, what: string, e: unknown) => {
    if (warnOnce.has(`${streamId}:${what}`)) return;
    warnOnce.add(`${streamId}:${what}`);
    log.warn({ streamId, error: String(e) }, `${what} failed; retrying until it gets through`);
  };

  /**
   * Takes a stream's open-event record over: reads it, ends the events an older owner left open, and writes
   * this owner's (empty) record at the revision read, retried until it gets through (a leader election
   * fails reads and writes for seconds) or the lease is lost. Resolves with the record's revision, or null.
   */
  const takeOver = async (id: string, epoch: number, r: Running): Promise<number | null> => {
    while (!r.dead && !r.stopped) {
      try {
        const { open: prev, revision } = await store.openEntry(id);
        if (prev && prev.epoch > epoch) return null; // a newer owner exists
        if (prev && prev.epoch === epoch) return revision; // our own write, whose ack was lost
        if (prev?.events.length) {
          for (const e of prev.events) sink.publish(handoverEnd(e, prev.lastMs));
          log.info({ streamId: id, ended: prev.events.length, from: prev.epoch }, 'ended events left open');
        }
        const next = await store.writeOpen(id, { epoch, lastMs: prev?.lastMs ?? 0, events: [] }, revision);
        if (next !== null) return next;
      } catch (e) {
        retrying(id, 'open-event record take-over', e);
        await sleep(RETRY_MS);
      }
    }
    return null;
  };

  const start = (spec: StreamSpec, epoch: number) => {
    const r: Running = {
      sub: undefined,
      stop$: new Subject<void>(),
      done: Promise.resolve(),
      draining: false,
      dead: false,
      stopped: false,
    };
    running.set(spec.id, r);
    r.done = runStream(spec, epoch, r).catch((e) => {
      log.error({ streamId: spec.id, error: String(e) }, 'stream failed');
    });
  };

  const runStream = async (spec: StreamSpec, epoch: number, r: Running): Promise<void> => {
    // End what the previous owner left open (it died or was cut off), before this owner's first message.
    let rev = await takeOver(spec.id, epoch, r);
    if (rev === null || r.dead || r.stopped) return;
    let open = new Map<string, EmotionEvent>();
    let lastMs = 0;
    /**
     * Writes the open set at this owner's revision until it gets through: true once written, false when the
     * lease was lost meanwhile or a newer owner holds the record (then this owner stops publishing).
     */
    const record = async (): Promise<boolean> => {
      while (!r.dead) {
        try {
          const next = await store.writeOpen(spec.id, { epoch, lastMs, events: [...open.values()] }, rev!);
          if (next !== null) {
            rev = next;
            return true;
          }
          const cur = await store.openEntry(spec.id);
          if (cur.open?.epoch !== epoch) {
            r.dead = true;
            r.sub?.unsubscribe();
            log.warn({ streamId: spec.id, epoch }, 'open-event record taken by a newer owner: stopping');
            return false;
          }
          rev = cur.revision; // our own write landed, its ack was lost: write again on top of it
        } catch (e) {
          retrying(spec.id, 'open-event record write', e);
          await sleep(RETRY_MS);
        }
      }
      return false;
    };
    // Emotion events go out in order through one chain, write-ahead: a start is published only once the
    // record holding it is written (so the next owner can end it), an end is published before the record
    // drops it (the next owner's handover end has the same JetStream message id and is deduplicated).
    let chain = Promise.resolve();
    const emit = (m: EmotionEvent) => {
      chain = chain.then(async () => {
        if (r.dead) return;
        if (m.phase === 'start') {
          open = trackOpen(open, m);
          if (!(await record()) || r.dead) return;
          sink.publish(m);
        } else if (m.phase === 'update') {
          open = trackOpen(open, m);
          sink.publish(m);
        } else {
          sink.publish(m);
          open = trackOpen(open, m);
          await record();
        }
      });
    };
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
      if (msg.type !== 'emotion') return sink.publish(msg);
      emit(r.draining && msg.phase === 'end' ? { ...msg, reason: 'handover' } : msg);
    };
    r.sub = streamPipeline(spec.id, parseSource(spec.source), streamDeps, {
      stop$: r.stop$,
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
    // Once the stream has ended (drained), every event has gone out and the empty open set is written
    // before the lease goes.
    await done;
    await chain;
    if (!r.dead) await record();
  };

  const stop = async (id: string, why: StopReason) => {
    const r = running.get(id);
    if (!r) return;
    running.delete(id);
    if (why === 'lost') {
      // Not ours any more: stop at once and publish nothing further; the next owner ends what was open.
      r.dead = true;
      r.sub?.unsubscribe();
      log.warn({ streamId: id }, 'stopped stream: lease lost');
      return;
    }
    // A drain hands the stream over (its ends say so); a deleted spec just ends the stream.
    r.draining = why === 'drain';
    r.stopped = true;
    r.stop$.next();
    const t = setTimeout(() => r.sub?.unsubscribe(), DRAIN_MS);
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
  // signalled while starting: claim nothing, go straight to the drain
  if (!signalled) {
    keeper.start();
    log.info({ worker: me, maxStreams: c.maxStreams, leaseTtlMs: c.leaseTtlMs }, 'worker ready');
  }
  await stopped;
  await keeper.drain();
  await sink.flush().catch(() => undefined);
  await sink.close().catch(() => undefined);
  await deps.close().catch(() => undefined);
  await nc.drain().catch(() => undefined);
  log.info({ worker: me }, 'worker drained');
  return 0;
}
