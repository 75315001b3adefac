import { randomBytes } from 'node:crypto';
import { type Observable, Subject, type Subscription } from 'rxjs';
import { AupipeError } from '../errors.js';
import { type SourceSpec, sourceLabel } from '../ingest/index.js';
import type { Publisher } from '../sink/index.js';
import { type Message, SCHEMA_VERSION, type StreamState } from '../types.js';
import { FpsMeter } from './fps.js';
import type { Metrics } from './metrics.js';

/** What a stream's pipeline gets besides its id and source. */
export interface StreamStartOptions {
  /** Loop a file source forever (demo streams). */
  readonly loop: boolean;
  /** Emits once to stop the stream cleanly (open events end, then the observable completes). */
  readonly stop$: Observable<void>;
  /** Call once per decoded frame (fps and the frames metric). */
  readonly onFrame: () => void;
  /** Call once per analysed frame with its face count. */
  readonly onFaces: (n: number) => void;
}

/** Builds one stream's pipeline; `src/pipeline.ts` in production, anything observable in tests. */
export type StreamFactory = (
  streamId: string,
  source: SourceSpec,
  opts: StreamStartOptions,
) => Observable<Message>;

export interface StreamInfo {
  readonly id: string;
  readonly kind: SourceSpec['kind'];
  /** File path or RTSP URL with any password hidden. */
  readonly source: string;
  readonly loop: boolean;
  readonly state: StreamState;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Frames per second over the last seconds. */
  readonly fps: number;
  readonly frames: number;
  readonly messages: number;
  readonly activeTracks: readonly number[];
  readonly emotionEvents: number;
  readonly detail?: string;
  readonly code?: string;
}

export interface StreamManagerOptions {
  readonly factory: StreamFactory;
  readonly publisher: Publisher;
  readonly metrics?: Metrics;
  readonly maxStreams?: number;
  readonly clock?: () => number;
  readonly log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

interface Entry {
  info: Mutable<StreamInfo>;
  readonly tracks: Set<number>;
  readonly fps: FpsMeter;
  readonly stop$: Subject<void>;
  sub?: Subscription;
  done: Promise<void>;
}
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const RUNNING = new Set<StreamState>(['connecting', 'live', 'stalled', 'reconnecting']);

/** Runs many streams at once, each its own pipeline subscription, and tracks their state for the API. */
export class StreamManager {
  private readonly streams = new Map<string, Entry>();
  private readonly clock: () => number;

  constructor(private readonly o: StreamManagerOptions) {
    this.clock = o.clock ?? Date.now;
  }

  /** Starts a stream; throws STREAM_EXISTS, STREAM_ID_INVALID or TOO_MANY_STREAMS. */
  add(source: SourceSpec, opts: { id?: string; loop?: boolean } = {}): StreamInfo {
    const id = opts.id ?? `s-${randomBytes(4).toString('hex')}`;
    this.assertCanAdd(id);
    const now = this.clock();
    const e: Entry = {
      info: {
        id,
        kind: source.kind,
        source: sourceLabel(source),
        loop: opts.loop ?? false,
        state: 'connecting',
        createdAt: now,
        updatedAt: now,
        fps: 0,
        frames: 0,
        messages: 0,
        activeTracks: [],
        emotionEvents: 0,
      },
      tracks: new Set(),
      fps: new FpsMeter(this.clock),
      stop$: new Subject<void>(),
      done: Promise.resolve(),
    };
    this.streams.set(id, e);
    this.start(e, source);
    this.o.log?.('info', 'stream started', { id, source: e.info.source });
    return this.snapshot(e);
  }

  /** Throws what `add` would (STREAM_ID_INVALID, STREAM_EXISTS, TOO_MANY_STREAMS), before any work. */
  assertCanAdd(id?: string): void {
    if (id !== undefined && !ID.test(id))
      throw new AupipeError('STREAM_ID_INVALID', `stream id "${id}": use 1-64 of [A-Za-z0-9_-]`);
    if (id !== undefined && this.streams.has(id))
      throw new AupipeError('STREAM_EXISTS', `stream "${id}" exists: delete it first`);
    const running = [...this.streams.values()].filter((e) => RUNNING.has(e.info.state)).length;
    const max = this.o.maxStreams ?? 32;
    if (running >= max)
      throw new AupipeError(
        'TOO_MANY_STREAMS',
        `${max} streams are running (server.maxStreams): delete one first`,
      );
  }

  get(id: string): StreamInfo | undefined {
    const e = this.streams.get(id);
    return e && this.snapshot(e);
  }

  list(): StreamInfo[] {
    return [...this.streams.values()].map((e) => this.snapshot(e));
  }

  /** Stops a stream (cleanly, then forcibly after `graceMs`) and forgets it; false if unknown. */
  async remove(id: string, graceMs = 5000): Promise<boolean> {
    const e = this.streams.get(id);
    if (!e) return false;
    e.stop$.next();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([e.done, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    e.sub?.unsubscribe();
    this.streams.delete(id);
    this.updateGauge();
    this.o.log?.('info', 'stream removed', { id });
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.streams.keys()].map((id) => this.remove(id)));
  }

  private start(e: Entry, source: SourceSpec): void {
    const id = e.info.id;
    const m = this.o.metrics;
    const obs = this.o.factory(id, source, {
      loop: e.info.loop,
      stop$: e.stop$,
      onFrame: () => {
        e.info.frames++;
        e.fps.tick();
        m?.frames.inc({ stream: id });
      },
      onFaces: (n) => m?.faces.inc({ stream: id }, n),
    });
    e.done = new Promise<void>((resolve) => {
      e.sub = obs.subscribe({
        next: (msg) => this.onMessage(e, msg),
        error: (err: unknown) => {
          const code = err instanceof AupipeError ? err.code : 'PIPELINE_ERROR';
          this.finish(e, 'failed', String((err as Error)?.message ?? err), code);
          resolve();
        },
        complete: () => {
          this.finish(e, 'ended');
          resolve();
        },
      });
    });
    this.updateGauge();
  }

  private onMessage(e: Entry, msg: Message): void {
    const info = e.info;
    info.messages++;
    info.updatedAt = this.clock();
    const m = this.o.metrics;
    m?.messages.inc({ stream: info.id, type: msg.type });
    if (msg.type === 'status') {
      info.state = msg.state;
      info.detail = msg.detail;
      info.code = msg.code;
      if (msg.state === 'reconnecting') m?.reconnects.inc({ stream: info.id });
      this.updateGauge();
    } else if (msg.type === 'track') {
      if (msg.phase === 'start') e.tracks.add(msg.trackId);
      else e.tracks.delete(msg.trackId);
    } else if (msg.type === 'emotion') {
      if (msg.phase === 'start') info.emotionEvents++;
    } else if (msg.type === 'au') {
      m?.latency.observe({ stream: info.id }, Math.max(0, Date.now() - msg.decodedAt) / 1000);
    }
    this.o.publisher.publish(msg);
  }

  /** The pipeline finished; make sure the last word on the status channel says so. */
  private finish(e: Entry, state: 'ended' | 'failed', detail?: string, code?: string): void {
    const info = e.info;
    e.tracks.clear();
    if (info.state !== state || (detail && info.detail !== detail)) {
      info.state = state;
      if (detail) info.detail = detail;
      if (code) info.code = code;
      this.o.publisher.publish({
        v: SCHEMA_VERSION,
        type: 'status',
        streamId: info.id,
        state,
        atMs: this.clock(),
        ...(detail && { detail }),
        ...(code && { code }),
      });
    }
    info.updatedAt = this.clock();
    this.updateGauge();
    this.o.log?.(state === 'failed' ? 'warn' : 'info', `stream ${state}`, { id: info.id, detail });
  }

  private snapshot(e: Entry): StreamInfo {
    const running = RUNNING.has(e.info.state);
    return { ...e.info, fps: running ? e.fps.rate() : 0, activeTracks: [...e.tracks].sort((a, b) => a - b) };
  }

  private updateGauge(): void {
    const g = this.o.metrics?.streams;
    if (!g) return;
    g.reset();
    for (const e of this.streams.values()) g.inc({ state: e.info.state });
  }
}
