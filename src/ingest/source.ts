import { statSync } from 'node:fs';
import { defer, map, Observable, type SchedulerLike } from 'rxjs';
import { SourceError } from '../errors.js';
import type { Frame } from '../types.js';
import type { IngestConfig } from './args.js';
import { type DecodeEvent, decodeOnce } from './decode.js';
import { type AttemptEvent, type IngestEvent, liveLoop, statusEvent } from './live.js';
import { FramePool } from './pool.js';
import { type SourceSpec, sourceLabel } from './spec.js';

export interface OpenSourceOptions {
  /** Wall clock for `decodedAt` and live pts (ms since epoch); default Date.now. */
  readonly clock?: () => number;
  /** For reconnect jitter; default Math.random. */
  readonly random?: () => number;
  /** Drives the watchdog, backoff timers and status times; default asyncScheduler. */
  readonly scheduler?: SchedulerLike;
}

/** The ingest interface other code depends on (openSource implements it; tests may pass their own). */
export type FrameSource = (
  streamId: string,
  spec: SourceSpec,
  cfg: IngestConfig,
  opts?: OpenSourceOptions,
) => Observable<IngestEvent>;

/**
 * Decodes `spec` into RGB24 frames of `cfg.width x cfg.height` (letterboxed: aspect kept, black bars) at
 * `cfg.fps`, with status events around them. Frames use a pool of `cfg.poolSize` buffers: call
 * `frame.release()` when done. Files wait for a free buffer; live sources drop the newest frame instead.
 *
 * Files: `connecting`, `live` (first frame), frames, then `ended` (with a CORRUPT_INPUT code and detail
 * when ffmpeg skipped damaged data), or `failed` followed by the Observable's error: a missing file, a
 * non-video, a file with no decodable frame, or ffmpeg failing mid-way (frames already sent stay sent).
 * `ptsMs` is `seq * 1000 / fps` exactly.
 *
 * RTSP: see liveLoop (watchdog, reconnect with backoff, `stalled`/`reconnecting`/`failed`); `seq` keeps
 * counting across reconnects and `ptsMs` is ms since open: it steps by 1000/fps within a connection and
 * jumps over the time spent reconnecting.
 *
 * Cold and lazy: each subscription starts its own ffmpeg; unsubscribing kills it.
 */
export const openSource: FrameSource = (streamId, spec, cfg, opts = {}) =>
  defer(() => {
    const clock = opts.clock ?? Date.now;
    const pool = new FramePool(cfg.poolSize, cfg.width * cfg.height * 3);
    const interval = 1000 / cfg.fps;
    let seq = 0;
    const makeFrame = (rgb: Uint8Array, decodedAt: number, ptsMs: number): Frame => {
      let released = false;
      return {
        streamId,
        seq: seq++,
        ptsMs,
        width: cfg.width,
        height: cfg.height,
        rgb,
        decodedAt,
        release: () => {
          if (released) return;
          released = true;
          pool.release(rgb);
        },
      };
    };

    if (spec.kind !== 'rtsp') {
      const frames = (ev: DecodeEvent): AttemptEvent =>
        ev.kind === 'frame' ? { kind: 'frame', frame: makeFrame(ev.rgb, ev.decodedAt, seq * interval) } : ev;
      return fileEvents(
        streamId,
        spec,
        () => decodeOnce(spec, cfg, pool, 'wait', clock).pipe(map(frames)),
        clock,
      );
    }

    const t0 = clock();
    let lastPts = -interval;
    const connect = (): Observable<AttemptEvent> => {
      let base: number | undefined;
      let local = 0;
      return decodeOnce(spec, cfg, pool, 'drop-newest', clock).pipe(
        map((ev): AttemptEvent => {
          if (ev.kind !== 'frame') return ev;
          base ??= Math.max(lastPts + interval, clock() - t0);
          lastPts = base + local++ * interval;
          return { kind: 'frame', frame: makeFrame(ev.rgb, ev.decodedAt, lastPts) };
        }),
      );
    };
    const { stallTimeoutMs, connectTimeoutMs, reconnect } = cfg;
    return liveLoop(connect, {
      streamId,
      label: sourceLabel(spec),
      policy: { stallTimeoutMs, connectTimeoutMs, reconnect },
      ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
      ...(opts.random ? { random: opts.random } : {}),
    });
  });

/** One pass over a file: statuses around the frames, and `failed` before any error. */
function fileEvents(
  streamId: string,
  spec: Extract<SourceSpec, { kind: 'file' | 'upload' }>,
  decode: () => Observable<AttemptEvent>,
  clock: () => number,
): Observable<IngestEvent> {
  return new Observable<IngestEvent>((sub) => {
    const emit = (
      state: 'connecting' | 'live' | 'ended' | 'failed',
      extra?: { code?: string; detail?: string },
    ) => sub.next(statusEvent(streamId, state, clock(), extra));
    const fail = (err: SourceError) => {
      emit('failed', { code: err.code, detail: err.message });
      sub.error(err);
    };
    emit('connecting');
    const missing = checkFile(spec.path);
    if (missing) {
      fail(missing);
      return;
    }
    let live = false;
    let warning: SourceError | undefined;
    const inner = decode().subscribe({
      next: (ev) => {
        if (ev.kind === 'warning') warning = ev.error;
        else if (ev.kind === 'frame') {
          if (!live) {
            live = true;
            emit('live');
          }
          sub.next(ev);
        }
      },
      error: (e: unknown) => fail(e instanceof SourceError ? e : new SourceError('FFMPEG_FAILED', String(e))),
      complete: () => {
        emit('ended', warning ? { code: warning.code, detail: warning.message } : undefined);
        sub.complete();
      },
    });
    return () => inner.unsubscribe();
  });
}

function checkFile(path: string): SourceError | undefined {
  try {
    if (statSync(path).isDirectory())
      return new SourceError('NOT_A_VIDEO', `${path}: is a directory, not a video`);
  } catch {
    return new SourceError('SOURCE_NOT_FOUND', `${path}: no such file`);
  }
  return undefined;
}
