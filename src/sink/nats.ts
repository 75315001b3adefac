import { readFileSync } from 'node:fs';
import { type JetStreamClient, jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  type ConnectionOptions,
  connect,
  credsAuthenticator,
  type NatsConnection,
  nanos,
  nuid,
} from '@nats-io/transport-node';
import type { SinkConfig } from '../config/index.js';
import { SinkError } from '../errors.js';
import { type Message, SCHEMA_VERSION, type StreamState, type StreamStatus } from '../types.js';
import { Outbox } from './outbox.js';
import type { Publisher, Undelivered } from './publisher.js';
import { DURABLE_TYPES, durableSubjects, routeKey, subjectFor } from './subjects.js';

export type NatsConfig = SinkConfig['nats'];
export type SinkLog = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export interface NatsPublisherStats {
  readonly connected: boolean;
  readonly published: number;
  readonly buffered: number;
  readonly dropped: number;
  readonly reconnects: number;
}

/** Connection options from config: servers, auth (token, user/pass, creds) and TLS passed through. */
export function natsConnectionOptions(cfg: NatsConfig, url: string): ConnectionOptions {
  const o: ConnectionOptions = {
    servers: url.split(',').map((s) => s.trim()),
    name: 'aupipe',
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: cfg.reconnectWaitMs,
    reconnectJitter: Math.round(cfg.reconnectWaitMs / 5),
    pingInterval: 10_000,
  };
  if (cfg.token) o.token = cfg.token;
  if (cfg.user) Object.assign(o, { user: cfg.user, pass: cfg.pass });
  if (cfg.credsFile) o.authenticator = credsAuthenticator(new Uint8Array(readFileSync(cfg.credsFile)));
  if (cfg.tls || cfg.caFile || cfg.certFile) {
    o.tls = {
      ...(cfg.caFile && { caFile: cfg.caFile }),
      ...(cfg.certFile && { certFile: cfg.certFile }),
      ...(cfg.keyFile && { keyFile: cfg.keyFile }),
    };
  }
  return o;
}

const WINDOW = 256;
/** A message with the JetStream message id it keeps across retries, so the server deduplicates them. */
interface Queued {
  readonly msg: Message;
  readonly id: string;
}
const enc = new TextEncoder();

/**
 * Publishes messages on `<prefix>.<streamId>.<type>`; emotion events and status also go into a
 * JetStream stream (age/size limits) so late consumers can replay them. Everything passes through a
 * bounded outbox drained in order by one loop: while the broker is away nothing is lost until the
 * outbox is full, then AU samples are dropped first; drops are logged and reported as status.
 */
export class NatsPublisher implements Publisher {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private readonly outbox: Outbox<Queued>;
  private connected = false;
  private closing = false;
  private draining: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private published = 0;
  private reconnects = 0;
  private readonly idPrefix = nuid.next();
  private msgSeq = 0;
  private warnedFull = false;
  private readonly lastState = new Map<string, StreamState>();
  private readonly ready: Promise<void>;

  constructor(
    private readonly cfg: NatsConfig,
    private readonly url: string,
    private readonly log: SinkLog = () => {},
    /** JetStream message id of a durable message (default: a per-process sequence); see cluster/ids.ts. */
    private readonly msgId?: (msg: Message) => string | undefined,
  ) {
    this.outbox = new Outbox(cfg.outboxMax);
    this.ready = this.start();
    this.ready.catch((e) => this.log('error', 'NATS connect failed', { error: String(e) }));
  }

  /** Resolves once the first connection is up and the JetStream stream exists (or the publisher closed). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  stats(): NatsPublisherStats {
    return {
      connected: this.connected,
      published: this.published,
      buffered: this.outbox.size,
      dropped: this.outbox.dropped,
      reconnects: this.reconnects,
    };
  }

  publish(msg: Message): void {
    if (this.closing) return;
    if (msg.type === 'status') this.lastState.set(msg.streamId, msg.state);
    this.enqueue(msg);
    if (this.outbox.dropped === 1 && !this.warnedFull) {
      this.warnedFull = true;
      this.log('warn', 'NATS outbox full: dropping oldest messages (AU samples first)', {
        max: this.cfg.outboxMax,
      });
    }
    this.kick();
  }

  /**
   * Deletes from the JetStream stream every stored message on these subjects (wildcards allowed): a room's or a
   * stream's data when it is deleted. Messages still in the outbox are published first (flush), so none arrives
   * after the purge. Returns how many messages were purged.
   */
  async purge(subjects: readonly string[]): Promise<number> {
    await this.ready;
    await this.flush();
    if (!this.nc) return 0;
    const jsm = await jetstreamManager(this.nc);
    let purged = 0;
    for (const filter of subjects) purged += (await jsm.streams.purge(this.cfg.stream, { filter })).purged;
    return purged;
  }

  /** The subject prefix (`sink.nats.subjectPrefix`). */
  get prefix(): string {
    return this.cfg.subjectPrefix;
  }

  private enqueue(msg: Message): void {
    const durable = DURABLE_TYPES.has(msg.type);
    const id = durable ? (this.msgId?.(msg) ?? `${this.idPrefix}-${this.msgSeq++}`) : '';
    this.outbox.push({ msg, id }, routeKey(msg), durable);
  }

  /**
   * Waits until what is buffered is delivered, for at most `timeoutMs` (`sink.nats.flushTimeoutMs`): a broker
   * that died must not hang shutdown (it did: the loop waited forever). What is left shows in `undelivered()`.
   */
  async flush(timeoutMs = this.cfg.flushTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.outbox.size > 0 && !this.closing && Date.now() < deadline) {
      this.kick();
      await new Promise((r) => setTimeout(r, 10));
    }
    const nc = this.nc;
    if (!nc || !this.connected || nc.isClosed()) return;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((r) => {
      timer = setTimeout(r, Math.max(0, deadline - Date.now()));
    });
    await Promise.race([nc.flush().catch(() => {}), limit]);
    clearTimeout(timer);
  }

  /** What is still buffered: after `close()`, what could not be delivered. */
  undelivered(): Undelivered {
    return { messages: this.outbox.size, events: this.outbox.keepSize };
  }

  /** Delivers what is buffered (for at most `timeoutMs` while connected), then disconnects. */
  async close(timeoutMs = this.cfg.flushTimeoutMs): Promise<void> {
    if (this.connected) await this.flush(timeoutMs).catch(() => {});
    this.closing = true;
    this.kick();
    await this.draining;
    const nc = this.nc;
    if (!nc || nc.isClosed()) return;
    // drain() waits on the broker: bounded like the flush, then the connection is closed regardless.
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), Math.max(100, timeoutMs));
    });
    const drained = this.connected ? await Promise.race([nc.drain().catch(() => 'failed'), limit]) : 'late';
    clearTimeout(timer);
    if (drained !== undefined && !nc.isClosed()) await nc.close().catch(() => {});
  }

  private async start(): Promise<void> {
    // The first connection is retried here (not with waitOnFirstConnect) so close() can end the retries.
    for (let attempt = 1; !this.nc; attempt++) {
      if (this.closing) return;
      try {
        this.nc = await connect(natsConnectionOptions(this.cfg, this.url));
      } catch (e) {
        if (attempt === 1)
          this.log('warn', 'NATS broker unreachable; buffering and retrying', { error: String(e) });
        await new Promise((r) => setTimeout(r, this.cfg.reconnectWaitMs));
      }
    }
    if (this.closing) {
      await this.nc.close();
      return;
    }
    this.js = jetstream(this.nc);
    await this.ensureStream();
    this.connected = true;
    this.log('info', 'NATS connected', { server: this.nc.getServer() });
    void this.watchStatus(this.nc);
    this.draining = this.drainLoop();
  }

  /**
   * Creates or updates the stream, retried: on a cluster, several workers starting together race to create
   * a replicated stream and the losers' requests time out or conflict while the winner's is placed.
   */
  private async ensureStream(attempts = 30): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        return await this.ensureStreamOnce();
      } catch (e) {
        if (i >= attempts || this.closing) throw e;
        if (i === 1 || i % 10 === 0)
          this.log('warn', 'JetStream stream not ready; retrying', { attempt: i, error: String(e) });
        await new Promise((r) => setTimeout(r, Math.min(2000, 250 * i)));
      }
    }
  }

  private async ensureStreamOnce(): Promise<void> {
    const jsm = await jetstreamManager(this.nc!);
    const conf = {
      name: this.cfg.stream,
      subjects: durableSubjects(this.cfg.subjectPrefix),
      max_age: nanos(this.cfg.maxAgeSec * 1000),
      max_bytes: this.cfg.maxBytes,
      num_replicas: this.cfg.replicas,
    };
    try {
      await jsm.streams.info(this.cfg.stream);
      await jsm.streams.update(this.cfg.stream, conf);
    } catch (e) {
      if (!/not found/i.test(String(e)))
        throw new SinkError('NATS_STREAM', 'cannot check JetStream stream', { cause: e });
      await jsm.streams.add(conf);
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        this.connected = false;
        this.log('warn', 'NATS disconnected; buffering', { buffered: this.outbox.size });
      } else if (s.type === 'reconnect') {
        this.reconnects++;
        // A fresh broker may lack the stream; recreate it before replaying the outbox.
        await this.ensureStream().catch((e) =>
          this.log('error', 'JetStream stream check failed', { e: String(e) }),
        );
        this.connected = true;
        this.log('info', 'NATS reconnected; publishing buffered messages', { buffered: this.outbox.size });
        this.reportDrops();
        this.kick();
      }
    }
  }

  /** Overflow goes out as a status message per affected stream, so it is never silent. */
  private reportDrops(): void {
    if (!this.outbox.hasDrops) return;
    this.warnedFull = false;
    for (const [streamId, d] of this.outbox.takeDrops()) {
      const detail = `NATS outbox overflow: dropped ${d.bulk} AU/engagement/track and ${d.keep} event/status messages`;
      this.log('warn', detail, { streamId });
      const status: StreamStatus = {
        v: SCHEMA_VERSION,
        type: 'status',
        streamId,
        state: this.lastState.get(streamId) ?? 'live',
        atMs: Date.now(),
        code: 'SINK_OVERFLOW',
        detail,
      };
      this.enqueue(status);
    }
  }

  private kick(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async drainLoop(): Promise<void> {
    for (;;) {
      if (this.closing && (!this.connected || this.outbox.size === 0)) break;
      if (this.connected) this.reportDrops();
      if (!this.connected || this.outbox.size === 0) {
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, 250);
        });
        continue;
      }
      const batch = this.outbox.peek(WINDOW);
      const done = await this.send(batch.map((e) => e.item));
      this.outbox.remove(done);
      this.published += done;
      if (done < batch.length) {
        if (this.closing) break;
        await new Promise((r) => setTimeout(r, this.cfg.reconnectWaitMs));
      }
    }
    if (this.outbox.size > 0)
      this.log('warn', 'NATS publisher closed with undelivered messages', { buffered: this.outbox.size });
  }

  /**
   * Sends a window in order: core messages go out at once, JetStream ones with their message id (a
   * retry after a lost ack is deduplicated by the server), their acks awaited together. Returns how
   * many leading messages are confirmed; the rest stay in the outbox for the next try (core messages
   * after a failed JetStream one may then go out twice: at-least-once).
   */
  private async send(batch: readonly Queued[]): Promise<number> {
    const nc = this.nc!;
    const acks: { index: number; p: Promise<unknown> }[] = [];
    let i = 0;
    for (; i < batch.length && this.connected; i++) {
      const { msg, id } = batch[i]!;
      const subject = subjectFor(this.cfg.subjectPrefix, msg);
      const data = enc.encode(JSON.stringify(msg));
      try {
        if (id) {
          const p = this.js!.publish(subject, data, { msgID: id, timeout: 5000 });
          p.catch(() => {});
          acks.push({ index: i, p });
        } else nc.publish(subject, data);
      } catch {
        break;
      }
    }
    let ok = i;
    for (const a of acks) {
      try {
        await a.p;
      } catch (e) {
        ok = Math.min(ok, a.index);
        if (this.connected) this.log('warn', 'JetStream publish failed; will retry', { error: String(e) });
      }
    }
    return ok;
  }
}
