import { asyncScheduler, Observable, type SchedulerLike, type Subscription, throwError, timeout } from 'rxjs';
import { SourceError } from '../errors.js';
import type { Frame, StreamState, StreamStatus } from '../types.js';
import { SCHEMA_VERSION } from '../types.js';
import { type BackoffPolicy, backoffDelay } from './backoff.js';
import { isRetryable } from './classify.js';

/** What a stage downstream of ingest sees: frames, and the health of the stream as status events. */
export type IngestEvent =
  | { readonly kind: 'frame'; readonly frame: Frame }
  | { readonly kind: 'status'; readonly status: StreamStatus };

/** What one connection attempt yields (see decodeOnce); it completes when the source hangs up. */
export type AttemptEvent =
  | { readonly kind: 'frame'; readonly frame: Frame }
  | { readonly kind: 'dropped' }
  | { readonly kind: 'warning'; readonly error: SourceError };

export interface LivePolicy {
  readonly stallTimeoutMs: number;
  /** Allowance for the first frame of each connection (RTSP handshake + waiting for a keyframe). */
  readonly connectTimeoutMs: number;
  readonly reconnect: BackoffPolicy & { readonly maxAttempts: number; readonly connectAttempts: number };
}

export interface LiveOptions {
  readonly streamId: string;
  readonly label: string;
  readonly policy: LivePolicy;
  readonly scheduler?: SchedulerLike;
  readonly random?: () => number;
}

/** Status messages name their time by the scheduler's clock, so virtual-time tests see exact values. */
export function statusEvent(
  streamId: string,
  state: StreamState,
  atMs: number,
  extra: { detail?: string; code?: string; attempt?: number } = {},
): IngestEvent {
  return { kind: 'status', status: { v: SCHEMA_VERSION, type: 'status', streamId, state, atMs, ...extra } };
}

const DROP_REPORT_MS = 1000;

/**
 * Keeps a live source going: `connect()` opens one attempt; a watchdog kills an attempt that delivers
 * nothing for `stallTimeoutMs` (ffmpeg's RTSP client hangs forever on a stalled server) or no first frame
 * within `connectTimeoutMs`, and an attempt
 * that ends or fails is retried with exponential backoff and jitter. Statuses: `connecting`, `live` (first
 * frame of an attempt, and throttled drop reports), `stalled`, `reconnecting` (with `attempt`), `failed`
 * (non-retryable error or attempts exhausted; the Observable then errors with the SourceError).
 */
export function liveLoop(
  connect: () => Observable<AttemptEvent>,
  opts: LiveOptions,
): Observable<IngestEvent> {
  const { streamId, label, policy } = opts;
  const scheduler = opts.scheduler ?? asyncScheduler;
  const random = opts.random ?? Math.random;
  return new Observable<IngestEvent>((sub) => {
    let attempt = 0; // reconnect number of the running session (0: first connect or the session that went live)
    let everLive = false;
    let dropped = 0;
    let lastDropReport = -Infinity;
    let session: Subscription | undefined;
    let timer: Subscription | undefined;
    const emit = (state: StreamState, extra?: { detail?: string; code?: string; attempt?: number }) =>
      sub.next(statusEvent(streamId, state, scheduler.now(), extra));

    const start = (): void => {
      let live = false;
      let warning: SourceError | undefined;
      const watchdog = timeout<AttemptEvent, Observable<never>>({
        first: policy.connectTimeoutMs,
        each: policy.stallTimeoutMs,
        scheduler,
        with: () =>
          throwError(() =>
            live
              ? new SourceError('SOURCE_STALLED', `${label}: no frame for ${policy.stallTimeoutMs} ms`)
              : new SourceError(
                  'SOURCE_TIMEOUT',
                  `${label}: no frame within ${policy.stallTimeoutMs} ms of connecting`,
                ),
          ),
      });
      session = connect()
        .pipe(watchdog)
        .subscribe({
          next: (ev) => {
            if (ev.kind === 'warning') warning = ev.error;
            else if (ev.kind === 'dropped') {
              dropped++;
              const now = scheduler.now();
              if (now - lastDropReport >= DROP_REPORT_MS) {
                lastDropReport = now;
                const detail = `${dropped} frames dropped so far: every frame buffer is still held downstream`;
                emit('live', { code: 'FRAMES_DROPPED', detail });
              }
            } else {
              if (!live) {
                live = true;
                everLive = true;
                attempt = 0;
                emit('live');
              }
              sub.next(ev);
            }
          },
          error: (e: unknown) =>
            ended(e instanceof SourceError ? e : new SourceError('FFMPEG_FAILED', `${label}: ${e}`)),
          // ffmpeg's RTSP client exits 0 without a word when the server goes away: that is a disconnect.
          complete: () =>
            ended(
              new SourceError(
                'SOURCE_DISCONNECTED',
                `${label}: the stream ended${warning ? ` (${warning.message})` : ''}`,
              ),
            ),
        });
    };

    const ended = (err: SourceError): void => {
      session = undefined;
      if (err.code === 'SOURCE_STALLED') emit('stalled', { code: err.code, detail: err.message });
      const limit = everLive ? policy.reconnect.maxAttempts : policy.reconnect.connectAttempts;
      const failed = everLive ? attempt : attempt + 1;
      if (!isRetryable(err) || (limit > 0 && failed >= limit)) {
        emit('failed', { code: err.code, detail: err.message });
        sub.error(err);
        return;
      }
      attempt++;
      emit('reconnecting', { attempt, code: err.code, detail: err.message });
      timer = scheduler.schedule(
        () => {
          timer = undefined;
          start();
        },
        backoffDelay(attempt, policy.reconnect, random),
      );
    };

    emit('connecting');
    start();
    return () => {
      timer?.unsubscribe();
      session?.unsubscribe();
    };
  });
}
