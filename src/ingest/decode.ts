import { closeSync, openSync, readSync } from 'node:fs';
import { Observable } from 'rxjs';
import type { SourceError } from '../errors.js';
import { decodeArgs, type IngestConfig } from './args.js';
import { FrameAssembler, type PoolPolicy } from './assembler.js';
import { type Classified, classifyStderr, looksLikeIsoBmff, sourceError } from './classify.js';
import { spawnFfmpeg } from './ffmpeg.js';
import type { FramePool } from './pool.js';
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
    const proc = spawnFfmpeg(decodeArgs(spec, cfg));
    let frames = 0;
    const asm = new FrameAssembler(proc.stdout, pool, policy, {
      frame: (rgb) => {
        frames++;
        sub.next({ kind: 'frame', rgb, decodedAt: clock() });
      },
      dropped: () => sub.next({ kind: 'dropped' }),
    });
    proc.exited.then((exit) => {
      const partial = asm.partialBytes;
      asm.stop();
      if (exit.killed || sub.closed) return;
      if (exit.spawnError) return sub.error(exit.spawnError);
      const label = sourceLabel(spec);
      if (exit.code !== 0) {
        return sub.error(sourceError(label, refineForFile(spec, classifyStderr(exit.stderr))));
      }
      // Exit 0 can still hide damage: ffmpeg skips undecodable packets and says so on stderr.
      const damage = exit.stderr.trim()
        ? refineForFile(spec, classifyStderr(exit.stderr))
        : partial > 0
          ? {
              code: 'CORRUPT_INPUT' as const,
              why: 'output ended mid-frame',
              line: `${partial} bytes left over`,
            }
          : undefined;
      if (frames === 0 && spec.kind !== 'rtsp') {
        const none = { code: 'NOT_A_VIDEO' as const, why: 'no frames decoded', line: 'empty video stream' };
        return sub.error(sourceError(label, damage ?? none));
      }
      if (damage) sub.next({ kind: 'warning', error: sourceError(label, damage) });
      sub.complete();
    });
    return () => {
      asm.stop();
      proc.kill();
      proc.stdout.destroy();
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
