import { closeSync, openSync, readSync } from 'node:fs';
import type { Socket } from 'node:net';
import { Observable } from 'rxjs';
import { SourceError } from '../errors.js';
import { decodeArgs, type IngestConfig } from './args.js';
import { openReadChannel } from './channel.js';
import { type Classified, classifyStderr, looksLikeIsoBmff, sourceError } from './classify.js';
import { type FfmpegExit, type FfmpegProcess, spawnFfmpeg } from './ffmpeg.js';
import type { FramePool } from './pool.js';
import { FrameReader, type PoolPolicy } from './reader.js';
import { type SourceSpec, sourceLabel } from './spec.js';

/** What one ffmpeg run yields: pooled RGB buffers, drops, and non-fatal trouble reported at a clean exit. */
export type DecodeEvent =
  | { readonly kind: 'frame'; readonly rgb: Uint8Array; readonly decodedAt: number }
  | { readonly kind: 'dropped' }
  | { readonly kind: 'warning'; readonly error: SourceError };

/**
 * One ffmpeg run over `spec`: emits each complete frame (buffer taken from `pool`), completes when ffmpeg
 * exits 0 and errors with a classified `SourceError` when it exits non-zero. Unsubscribing kills ffmpeg.
 * Cold: every subscription spawns its own process.
 */
export function decodeOnce(
  spec: SourceSpec,
  cfg: IngestConfig,
  pool: FramePool,
  policy: PoolPolicy,
  clock: () => number = Date.now,
): Observable<DecodeEvent> {
  return new Observable<DecodeEvent>((sub) => {
    let frames = 0;
    let proc: FfmpegProcess | undefined;
    let socket: Socket | undefined;
    const reader = new FrameReader(pool, policy, {
      frame: (rgb) => {
        frames++;
        sub.next({ kind: 'frame', rgb, decodedAt: clock() });
      },
      dropped: () => sub.next({ kind: 'dropped' }),
    });
    const finish = (exit: FfmpegExit) => {
      const partial = reader.partialBytes;
      reader.stop();
      if (exit.killed || sub.closed) return;
      if (exit.spawnError) return sub.error(exit.spawnError);
      const label = sourceLabel(spec);
      if (exit.code !== 0)
        return sub.error(sourceError(label, refineForFile(spec, classifyStderr(exit.stderr))));
      // Exit 0 can still hide damage: ffmpeg skips undecodable packets and says so on stderr.
      const damage: Classified | undefined = exit.stderr.trim()
        ? refineForFile(spec, classifyStderr(exit.stderr))
        : partial > 0
          ? { code: 'CORRUPT_INPUT', why: 'output ended mid-frame', line: `${partial} bytes left over` }
          : undefined;
      if (frames === 0 && spec.kind !== 'rtsp') {
        const none: Classified = {
          code: 'NOT_A_VIDEO',
          why: 'no frames decoded',
          line: 'empty video stream',
        };
        return sub.error(sourceError(label, damage ?? none));
      }
      if (damage) sub.next({ kind: 'warning', error: sourceError(label, damage) });
      sub.complete();
    };

    openReadChannel(reader.onread).then(
      (ch) => {
        if (sub.closed) {
          ch.socket.destroy();
          ch.peer.destroy();
          return;
        }
        socket = ch.socket;
        socket.on('error', () => {}); // a reset ends the stream like EOF; ffmpeg's exit says why
        reader.attach(socket);
        const p = spawnFfmpeg(decodeArgs(spec, cfg), { stdout: ch.peer });
        proc = p;
        ch.peer.destroy(); // the child holds its own copy of that end
        // Done when ffmpeg has exited and every byte it wrote has been read (the socket closes).
        const drained = new Promise<void>((resolve) => ch.socket.once('close', () => resolve()));
        Promise.all([p.exited, drained]).then(([exit]) => finish(exit));
      },
      (e: unknown) =>
        sub.error(new SourceError('FFMPEG_FAILED', `cannot set up the decoder channel: ${e}`, { cause: e })),
    );
    return () => {
      reader.stop();
      proc?.kill();
      socket?.destroy();
    };
  });
}

/** "moov atom not found" means a truncated MP4 only if the file starts like an MP4 at all. */
export function refineForFile(spec: SourceSpec, c: Classified): Classified {
  if (spec.kind === 'rtsp' || !/moov atom not found/.test(c.line)) return c;
  const head = new Uint8Array(12);
  try {
    const fd = openSync(spec.path, 'r');
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return c;
  }
  return looksLikeIsoBmff(head)
    ? { ...c, why: 'truncated or incomplete MP4' }
    : { ...c, code: 'NOT_A_VIDEO', why: 'not a video file' };
}
